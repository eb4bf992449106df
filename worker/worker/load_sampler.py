"""The machine's load while a run trains, as ordinary metric series of the run named `system/...`.

Sampled every SAMPLE_EVERY_S seconds from the worker's sink (on the trainer's thread, at its progress
reports, so no thread and no lock): the process's CPU % (100 = one core busy) and resident memory; on a
CUDA device also its utilisation and memory from NVML (nvidia-ml-py, when it is installed and sees the
GPU), else the memory torch's caching allocator holds. On the CPU there are no GPU series at all: an
absent series says "no GPU", a zero would say "an idle GPU".
Series (x = the run's global step): system/cpu_percent, system/rss_mb, system/gpu_util_percent,
system/gpu_memory_mb; the trainer adds system/data_wait_share (see worker/trainer/train.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import psutil

from trainboard.trainer.sink import MetricPoint

log = logging.getLogger(__name__)

SAMPLE_EVERY_S = 5.0  # seconds between samples of one run
MB = 2**20


class GpuReader(Protocol):
    """Reads one GPU's load: {series name: value}."""

    def read(self) -> dict[str, float]: ...


class NvmlReader:
    """Utilisation (%) and used memory (MB) of one GPU, from NVML."""

    def __init__(self, handle: Any) -> None:
        import pynvml

        self._nvml = pynvml
        self._handle = handle

    def read(self) -> dict[str, float]:
        rates = self._nvml.nvmlDeviceGetUtilizationRates(self._handle)
        memory = self._nvml.nvmlDeviceGetMemoryInfo(self._handle)
        return {"system/gpu_util_percent": float(rates.gpu), "system/gpu_memory_mb": float(memory.used) / MB}


class TorchMemoryReader:
    """The memory torch's caching allocator holds on one CUDA device (MB); no utilisation without NVML."""

    def __init__(self, index: int) -> None:
        self._index = index

    def read(self) -> dict[str, float]:
        import torch

        return {"system/gpu_memory_mb": torch.cuda.memory_reserved(self._index) / MB}


def gpu_reader(device: str) -> GpuReader | None:
    """A reader for the CUDA device `device` names ('cuda', 'cuda:1'); None for any other device."""
    if not device.startswith("cuda"):
        return None
    index = int(device.split(":", 1)[1]) if ":" in device else 0
    try:
        import pynvml
        import torch

        pynvml.nvmlInit()
        uuid = str(torch.cuda.get_device_properties(index).uuid)  # NVML counts GPUs apart from CUDA_VISIBLE_DEVICES
        handle = pynvml.nvmlDeviceGetHandleByUUID(uuid if uuid.startswith("GPU-") else f"GPU-{uuid}")
        reader: GpuReader = NvmlReader(handle)
        reader.read()
        return reader
    except Exception as exc:  # no nvidia-ml-py, or a driver it cannot talk to: torch's own figures
        log.info("GPU load from torch's memory stats only (NVML: %s)", exc)
        return TorchMemoryReader(index)


class LoadSampler:
    """Samples this process's load, at most every `every_s` seconds."""

    def __init__(
        self,
        device: str,
        *,
        every_s: float = SAMPLE_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
        gpu: GpuReader | None = None,
    ) -> None:
        self.every_s = every_s
        self.clock = clock
        self.process = psutil.Process()
        self.process.cpu_percent(None)  # the first call starts the measure; each later one covers the time since
        self.gpu = gpu if gpu is not None else gpu_reader(device)
        self._last: float | None = None

    def sample(self) -> dict[str, float]:
        """The load now: {series name: value}, GPU series only for a GPU."""
        values = {
            "system/cpu_percent": float(self.process.cpu_percent(None)),
            "system/rss_mb": self.process.memory_info().rss / MB,
        }
        if self.gpu is not None:
            try:
                values.update(self.gpu.read())
            except Exception as exc:  # a GPU that stops answering loses its series, not the run
                log.warning("GPU load not read (%s); no GPU series from now on", exc)
                self.gpu = None
        return values

    def points(self, step: int) -> list[MetricPoint]:
        """A sample as metric points at `step` when one is due (the first at once), else nothing."""
        now = self.clock()
        if self._last is not None and now - self._last < self.every_s:
            return []
        self._last = now
        return [MetricPoint(name, step, value) for name, value in self.sample().items()]
