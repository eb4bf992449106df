"""Eager, channels-last, compiled and compiled channels-last training of the seed ResNet and ResNet-9, side by side.

Each variant is the bare loop of trainer_throughput (`BareLoop`: forward, loss, zero_grad, backward and optimizer
step on DeviceLoader batches of random CIFAR-shaped images) built from the preset's config with the variant's
`channels_last` and `compile` fields, so from the same initial weights and through the trainer's own set-up.
All variants live in one process and are timed in alternating rounds (eager, channels-last, compiled, compiled
channels-last, eager, ...); a variant's rate pools its rounds (all images / all seconds), and its speed-up is
the median over rounds of its rate against eager's in the same round (a slow spell of a shared machine that
falls on one round alone does not move it). Each variant's first step is timed apart: for a compiled one it
holds the compilation, reported as compile_s (the first step less a steady step). Warm-up steps follow it,
untimed. Target: the best variant at least 1.3x eager for the seed ResNet on the CPU.

    python -m benchmarks.memory_format [--quick] [--threads N] [--device cpu|cuda|all]
"""

from __future__ import annotations

import dataclasses
import logging
import statistics
import time
from typing import Any

import torch

from benchmarks.trainer_throughput import (
    BareLoop,
    Case,
    case_config,
    default_devices,
    random_images,
    run_from_command_line,
    synchronize,
)
from trainboard.trainer.config import TrainConfig
from trainboard.trainer.device import describe_device

logger = logging.getLogger(__name__)

TARGET_SPEEDUP = 1.3  # best variant / eager, seed_resnet on the CPU
VARIANTS: dict[str, dict[str, bool]] = {  # both fields set, whatever the preset's defaults
    "eager": {"channels_last": False, "compile": False},
    "channels_last": {"channels_last": True, "compile": False},
    "compiled": {"channels_last": False, "compile": True},
    "compiled_channels_last": {"channels_last": True, "compile": True},
}
# (preset, model, batch on the CPU, batch on CUDA): ResNet-9 is the `fast` preset's network, batch 512 on a GPU.
_MODELS = (("resnet-24ep", "seed_resnet", 64, 64), ("fast", "resnet9", 64, 512))
# (warm-up steps including the first, timed steps per round, rounds) per (device type, mode).
_PLANS = {
    ("cpu", "quick"): (3, 5, 6), ("cpu", "full"): (5, 20, 6),
    ("cuda", "quick"): (10, 50, 3), ("cuda", "full"): (20, 200, 5),
}


def cases(quick: bool, devices: list[str]) -> list[Case]:
    """seed_resnet and resnet9 on each device; `steps` are per round."""
    mode = "quick" if quick else "full"
    found = []
    for device in devices:
        kind = torch.device(device).type
        warmup, steps, rounds = _PLANS[(kind, mode)]
        for preset, model, cpu_batch, cuda_batch in _MODELS:
            batch = cuda_batch if kind == "cuda" else cpu_batch
            found.append(Case(preset, model, batch, device, warmup, steps, rounds))
    return found


def variant_config(case: Case, variant: str) -> TrainConfig:
    """The case's preset config with the variant's memory format and compile fields."""
    return case_config(case).model_copy(update=VARIANTS[variant])


def _seconds(loop: BareLoop, steps: int) -> float:
    """Wall seconds of `steps` bare-loop steps, the device's queue drained at both ends."""
    synchronize(loop.device)
    started = time.perf_counter()
    for _ in range(steps):
        loop.step()
    synchronize(loop.device)
    return time.perf_counter() - started


def measure(case: Case, variants: tuple[str, ...] = tuple(VARIANTS)) -> dict[str, Any]:
    """Every variant of one case: images/s pooled over alternating rounds, first-step and compile seconds."""
    data = random_images(dataclasses.replace(case, steps=case.steps * case.rounds))  # one epoch = all the steps
    if torch.device(case.device).type == "cuda":
        torch.backends.cudnn.benchmark = True  # as the trainer sets it on CUDA
    loops = {name: BareLoop(case, data, variant_config(case, name)) for name in variants}
    first_step = {}
    for name, loop in loops.items():
        first_step[name] = _seconds(loop, 1)  # compiles a compiled variant
        _seconds(loop, case.warmup_steps - 1)
    rounds: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(case.rounds):
        for name, loop in loops.items():
            rounds[name].append(_seconds(loop, case.steps))

    measured = {}
    for name in variants:
        steady_step = sum(rounds[name]) / (case.steps * case.rounds)
        measured[name] = {
            "images_per_s": case.steps * case.rounds * case.batch_size / sum(rounds[name]),
            "round_images_per_s": [case.steps * case.batch_size / seconds for seconds in rounds[name]],
            "first_step_s": first_step[name],
        }
        if VARIANTS[name].get("compile"):
            measured[name]["compile_s"] = max(first_step[name] - steady_step, 0.0)  # about 0 from the disk cache
    reference = measured[variants[0]]
    for m in measured.values():
        # Each round against the reference's round of the same moment; their median is the speed-up, since a
        # slow spell of a shared machine can fall on one variant's round alone and would move a pooled figure.
        m["round_speedups"] = [a / b for a, b in zip(m["round_images_per_s"], reference["round_images_per_s"])]
        m["pooled_speedup"] = m["images_per_s"] / reference["images_per_s"]
    speedup = {name: statistics.median(m["round_speedups"]) for name, m in measured.items()}
    return {
        "preset": case.preset,
        "model": case.model,
        "batch_size": case.batch_size,
        "device": describe_device(torch.device(case.device)),
        "device_type": torch.device(case.device).type,
        "warmup_steps": case.warmup_steps,
        "steps": case.steps,
        "rounds": case.rounds,
        "reference": variants[0],
        "variants": measured,
        "speedup": speedup,
        "best": max(speedup, key=speedup.__getitem__),
    }


def run(
    quick: bool,
    threads: int | None = None,
    devices: list[str] | None = None,
    measured_cases: list[Case] | None = None,
    variants: tuple[str, ...] = tuple(VARIANTS),
) -> dict[str, Any]:
    """Measure every case (by default seed_resnet and resnet9 on the CPU and CUDA when present)."""
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        used_threads = torch.get_num_threads()
        chosen = measured_cases or cases(quick, devices or default_devices())
        measured = [measure(case, variants) for case in chosen]
    finally:
        torch.set_num_threads(before)
    seed_cpu = [max(c["speedup"].values()) for c in measured if c["model"] == "seed_resnet" and c["device_type"] == "cpu"]
    return {
        "data": "random CIFAR-shaped uint8 images; each preset's optimizer, loss and augmentation; float32",
        "torch_threads": used_threads,
        "cases": measured,
        "target_speedup": TARGET_SPEEDUP,
        "seed_resnet_cpu_speedup": seed_cpu[0] if seed_cpu else None,
        "meets_target": bool(seed_cpu) and seed_cpu[0] >= TARGET_SPEEDUP,
    }


def main() -> None:
    """Run the benchmark and log a table of images per second per variant."""
    results = run_from_command_line(__doc__, "fewer steps (a few minutes on the CPU, most of it compiling)", run)
    logger.info("%-12s %5s %-12s %-24s %10s %8s %12s %10s", "model", "batch", "device", "variant", "images/s",
                "x eager", "first step", "compile")
    for case in results["cases"]:
        for name, m in case["variants"].items():
            compile_s = f"{m['compile_s']:.1f} s" if "compile_s" in m else "-"
            logger.info("%-12s %5d %-12s %-24s %10.0f %8.3f %10.2f s %10s", case["model"], case["batch_size"],
                        case["device"], name, m["images_per_s"], case["speedup"][name], m["first_step_s"], compile_s)
    logger.info("seed_resnet on the CPU: best %.3fx eager (target >= %.1fx: %s)", results["seed_resnet_cpu_speedup"] or 0,
                results["target_speedup"], "met" if results["meets_target"] else "MISSED")


if __name__ == "__main__":
    main()
