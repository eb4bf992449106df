"""Trainer throughput: worker.trainer's Trainer against a bare PyTorch loop on the same model, batch and data.

Both sides train the same network from the same initial weights with the same optimizer, on the same
DeviceLoader batches (random CIFAR-shaped uint8 images; throughput does not depend on pixel values).
The bare loop is forward, loss, zero_grad, backward, optimizer step, and one device sync at the end.
The trainer adds everything a real run does per step: the LR schedule, loss and accuracy sums kept on
the device, a read of the losses every `log_every` steps, progress reports, and a sink that keeps what
it is sent (the worker's sink minus the network).

Fairness: one process and one torch thread setting for both; the same steps are timed on both sides,
after the same warm-up steps (each side syncs the device before its clock starts); the two are measured
alternately (trainer, bare, trainer, bare, ...) and the best of each is kept. Evaluation is not timed:
the trainer is stopped through its sink at the last timed step, before the epoch's evaluation.
Target: trainer / bare >= 0.97.

    python -m benchmarks.trainer_throughput [--quick] [--threads N] [--device cpu|cuda|all]
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import torch

from worker.trainer.config import TrainConfig
from worker.trainer.data.images import ImageData, channel_stats
from worker.trainer.data.loader import DeviceLoader
from worker.trainer.device import describe_device
from worker.trainer.models import build_model
from worker.trainer.optim import build_loss, build_optimizer
from worker.trainer.presets import build_config
from worker.trainer.sink import RecordingSink
from worker.trainer.train import Trainer

logger = logging.getLogger(__name__)

TARGET_RATIO = 0.97
LOG_EVERY = 50  # TrainConfig's default: steps between reads of the losses from the device
DATA_SEED = 0


@dataclass(frozen=True)
class Case:
    """One measured combination: a preset's model and batch size on a device, with step and round counts."""

    preset: str  # the seed experiment whose optimizer, schedule and batch size are used
    model: str
    batch_size: int
    device: str
    warmup_steps: int
    steps: int  # timed steps, after the warm-up
    rounds: int  # measurements of each side, alternating; the best of each is kept

    def __post_init__(self) -> None:
        if self.warmup_steps < 1 or self.steps < 1 or self.rounds < 1:
            raise ValueError(f"warm-up steps, timed steps and rounds must be at least 1: {self}")


# (warm-up steps, timed steps, rounds) per (model, device type) for quick and full runs. A tutorial_cnn step
# at batch 4 takes about a millisecond, so its short measurements get more rounds against noise; a
# seed_resnet step at batch 64 takes about a second on one CPU thread, so that case is kept short.
_PLANS = {
    ("tutorial_cnn", "cpu"): {"quick": (50, 500, 5), "full": (100, 3000, 5)},
    ("tutorial_cnn", "cuda"): {"quick": (50, 1000, 5), "full": (200, 12_300, 3)},  # full: ~one CIFAR-10 epoch
    ("seed_resnet", "cpu"): {"quick": (2, 10, 2), "full": (5, 100, 3)},
    ("seed_resnet", "cuda"): {"quick": (20, 300, 3), "full": (50, 731, 3)},  # full: one CIFAR-10 epoch (781)
}
_PRESETS = (("origin-2ep", "tutorial_cnn", 4), ("resnet-24ep", "seed_resnet", 64))


def default_devices() -> list[str]:
    """The CPU, and CUDA when this machine has it."""
    return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]


def cases(quick: bool, devices: list[str]) -> list[Case]:
    """The cases measured: tutorial_cnn at batch 4 and seed_resnet at batch 64 on each device."""
    mode = "quick" if quick else "full"
    found = []
    for device in devices:
        for preset, model, batch_size in _PRESETS:
            warmup, steps, rounds = _PLANS[(model, torch.device(device).type)][mode]
            found.append(Case(preset, model, batch_size, device, warmup, steps, rounds))
    return found


def case_config(case: Case) -> TrainConfig:
    """The preset's config on the case's device, one epoch, the default log interval."""
    return build_config(case.preset, {"device": case.device, "epochs": 1, "log_every": LOG_EVERY})


def random_images(case: Case) -> ImageData:
    """Exactly warm-up + timed steps of CIFAR-shaped uint8 batches, so that one epoch is the whole measurement."""
    generator = torch.Generator().manual_seed(DATA_SEED)
    count = (case.warmup_steps + case.steps) * case.batch_size
    train_x = torch.randint(0, 256, (count, 3, 32, 32), generator=generator, dtype=torch.uint8)
    train_y = torch.randint(0, 10, (count,), generator=generator)
    test_x, test_y = train_x[: case.batch_size], train_y[: case.batch_size]
    mean, std = channel_stats(test_x)
    return ImageData(train_x, train_y, test_x, test_y, [f"class{k}" for k in range(10)], mean, std, "random")


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (a no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@dataclass
class TimingSink(RecordingSink):
    """Records like RecordingSink; starts the clock after the warm-up and stops the trainer after the timed steps.

    The trainer polls should_stop() once after every step, so the poll count is the global step.
    """

    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    warmup_steps: int = 0
    last_step: int = 0
    polls: int = 0
    clock_started: float | None = None  # perf_counter() once the warm-up steps are done on the device

    def should_stop(self) -> bool:
        self.polls += 1
        if self.polls == self.warmup_steps:
            synchronize(self.device)  # the bare loop syncs here too
            self.clock_started = time.perf_counter()
        return self.polls >= self.last_step


def trainer_rate(case: Case, data: ImageData) -> float:
    """Images per second of Trainer.run over the timed steps (construction and evaluation excluded)."""
    config = case_config(case)
    sink = TimingSink(device=torch.device(case.device), warmup_steps=case.warmup_steps,
                      last_step=case.warmup_steps + case.steps)
    trainer = Trainer(config, sink, data=data)
    summary = trainer.run()  # stops after the last timed step, reading the losses (a device sync) first
    stopped = time.perf_counter()
    if sink.clock_started is None or summary["global_step"] != case.warmup_steps + case.steps:
        raise RuntimeError(f"trainer ran {summary['global_step']} steps, expected {case.warmup_steps + case.steps}")
    return case.steps * case.batch_size / (stopped - sink.clock_started)


def bare_rate(case: Case, data: ImageData) -> float:
    """Images per second of a plain forward/backward/step loop over the same batches and steps."""
    config = case_config(case)
    device = torch.device(case.device)
    torch.manual_seed(config.seed)  # the trainer seeds the same way before building its model
    model = build_model(config.model, in_channels=3, num_classes=10).to(device)
    optimizer = build_optimizer(model, config)
    loss_fn = build_loss(config)
    # The trainer's normalisation: the seed's (0.5, 0.5) or the dataset's statistics.
    mean, std = ([0.5] * 3, [0.5] * 3) if config.normalize == "half" else (data.mean, data.std)
    loader = DeviceLoader(
        data.train_x, data.train_y, batch_size=config.batch_size, device=device,
        mean=mean, std=std, shuffle=True, seed=config.seed,
    )
    model.train()
    loader.set_epoch(0)
    started = 0.0
    for step, (images, labels) in enumerate(loader, start=1):
        loss = loss_fn(model(images), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step == case.warmup_steps:
            synchronize(device)
            started = time.perf_counter()
    synchronize(device)
    return case.steps * case.batch_size / (time.perf_counter() - started)


def measure(case: Case) -> dict[str, Any]:
    """Trainer and bare loop measured alternately, case.rounds times each; the best rate of each is kept."""
    data = random_images(case)
    device = torch.device(case.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # the trainer turns it on for CUDA; the bare loop gets it too
    trainer_runs, bare_runs = [], []
    for _ in range(case.rounds):
        trainer_runs.append(trainer_rate(case, data))
        bare_runs.append(bare_rate(case, data))
    best_trainer, best_bare = max(trainer_runs), max(bare_runs)
    return {
        "preset": case.preset,
        "model": case.model,
        "batch_size": case.batch_size,
        "device": describe_device(device),
        "warmup_steps": case.warmup_steps,
        "steps": case.steps,
        "log_every": LOG_EVERY,
        "rounds": case.rounds,
        "trainer_images_per_s": best_trainer,
        "bare_images_per_s": best_bare,
        "ratio": best_trainer / best_bare,
        "trainer_runs": trainer_runs,
        "bare_runs": bare_runs,
    }


def run(quick: bool, threads: int | None = None, devices: list[str] | None = None) -> dict[str, Any]:
    """Measure every case; rates are images per second, ratio = trainer / bare loop."""
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        used_threads = torch.get_num_threads()
        measured = [measure(case) for case in cases(quick, devices or default_devices())]
    finally:
        torch.set_num_threads(before)
    worst = min(m["ratio"] for m in measured)
    return {
        "data": "random CIFAR-shaped uint8 images, no augmentation",
        "torch_threads": used_threads,
        "cases": measured,
        "target_ratio": TARGET_RATIO,
        "min_ratio": worst,
        "meets_target": worst >= TARGET_RATIO,
    }


def main() -> None:
    """Run the benchmark and log a table of images per second."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps (a minute or two on one CPU thread)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--device", choices=["cpu", "cuda", "all"], default="all",
                        help="where to measure (default: the CPU, and CUDA when present)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    devices = default_devices() if args.device == "all" else [args.device]
    results = run(args.quick, args.threads, devices)
    logger.info("%s; %d torch threads; best of alternating rounds", results["data"], results["torch_threads"])
    logger.info("%-14s %5s %-12s %7s %6s %12s %12s %7s", "model", "batch", "device", "steps", "rounds", "trainer/s",
                "bare/s", "ratio")
    for case in results["cases"]:
        logger.info("%-14s %5d %-12s %7d %6d %12.0f %12.0f %7.3f", case["model"], case["batch_size"], case["device"],
                    case["steps"], case["rounds"], case["trainer_images_per_s"], case["bare_images_per_s"],
                    case["ratio"])
    logger.info("lowest ratio %.3f (target >= %.2f: %s)", results["min_ratio"], results["target_ratio"],
                "met" if results["meets_target"] else "MISSED")


if __name__ == "__main__":
    main()
