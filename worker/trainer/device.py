"""Turn the config's device string ('auto', 'cpu', 'cuda', 'cuda:N', 'mps') into a usable torch.device."""

from __future__ import annotations

import torch


class DeviceUnavailableError(ValueError):
    """The requested device does not exist on this machine."""


def resolve_device(name: str = "auto") -> torch.device:
    """The torch.device for `name`; 'auto' picks CUDA, then MPS, then the CPU.

    Raises DeviceUnavailableError naming the device and what this machine has instead.
    """
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "mps":
        if not _mps_available():
            raise DeviceUnavailableError(f"device: 'mps' is not available here; available: {available_devices()}")
        return torch.device("mps")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise DeviceUnavailableError(
                f"device: {name!r} is not available (no CUDA); available: {available_devices()}"
            )
        index = int(name.split(":", 1)[1]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise DeviceUnavailableError(
                f"device: {name!r} does not exist; this machine has {torch.cuda.device_count()} CUDA device(s): "
                f"{available_devices()}"
            )
        return torch.device("cuda", index)
    raise DeviceUnavailableError(f"device: unknown device {name!r}; use auto, cpu, cuda, cuda:N or mps")


def available_devices() -> str:
    """The device names this machine can run on, comma-separated (for error messages and worker registration)."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if _mps_available():
        names.append("mps")
    return ", ".join(names)


def describe_device(device: torch.device) -> str:
    """A human-readable device label, e.g. 'cuda:0 (NVIDIA H200)' or 'cpu'."""
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    return device.type


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())
