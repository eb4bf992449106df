"""Trainer throughput: worker.trainer's Trainer against a bare PyTorch loop on the same model, batch and data.

Both sides train the same network from the same initial weights with the same optimizer, on the same
DeviceLoader batches (random CIFAR-shaped uint8 images; throughput does not depend on pixel values).
The bare loop is forward, loss, zero_grad, backward and optimizer step. The trainer adds everything a
real run does per step: the LR schedule, the host clock reads of the data-wait share and of the time-based
read, a read of the losses and the accuracy count every `log_every` steps or every second, whichever comes
first, progress reports, and a sink that keeps what it is sent and samples the machine's load every 5 s as
the worker's sink does (the worker's sink minus the network).

How the two are timed depends on the device:
- CPU, interleaved: the trainer polls its sink's should_stop() after every step; the benchmark's sink
  runs one bare-loop step inside that poll and times it. The trainer's step is the time between polls
  (the bare step excluded). Both sides see the same moment of a shared, noisy machine, which rounds
  timed one after the other do not. The same harness with a bare loop on both sides (A/A) gives the
  method's own floor, reported beside the ratio.
- CUDA, alternating rounds: an in-poll bare step would need a device sync per step to be timed, which
  is the very cost the trainer avoids; so whole runs are timed (one sync at each end) alternately,
  trainer, bare, trainer, ..., and the best of each is kept.
Evaluation is never timed: the trainer is stopped through its sink at the last timed step, before the
epoch's evaluation. Target: trainer / bare >= 0.97.

    python -m benchmarks.trainer_throughput [--quick] [--threads N] [--device cpu|cuda|all]
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from benchmarks.script_args import benchmark_parser, report_logging
from trainboard.trainer.config import TrainConfig
from trainboard.trainer.data.images import ImageData, channel_stats
from trainboard.trainer.device import describe_device
from trainboard.trainer.optim import build_loss, build_optimizer
from trainboard.trainer.presets import build_config
from trainboard.trainer.setup import prepare
from trainboard.trainer.sink import Progress, RecordingSink
from trainboard.trainer.train import Trainer
from trainboard.worker.load_sampler import LoadSampler

logger = logging.getLogger(__name__)

TARGET_RATIO = 0.97
LOG_EVERY = 50  # TrainConfig's default: steps between reads of the losses from the device
DATA_SEED = 0
AA_ROUNDS = 1  # A/A measurements per CPU case (bare loop on both sides of the interleaving harness)


@dataclass(frozen=True)
class Case:
    """One measured combination: a preset's model and batch size on a device, with step and round counts."""

    preset: str  # the seed experiment whose optimizer, schedule and batch size are used
    model: str
    batch_size: int
    device: str
    warmup_steps: int
    steps: int  # timed steps, after the warm-up
    rounds: int  # measurements of the pair; pooled (CPU) or best of each side (CUDA)

    def __post_init__(self) -> None:
        if self.warmup_steps < 1 or self.steps < 1 or self.rounds < 1:
            raise ValueError(f"warm-up steps, timed steps and rounds must be at least 1: {self}")

    @property
    def interleaved(self) -> bool:
        """Timed step by step in one harness (CPU), rather than in alternating whole runs (CUDA)."""
        return torch.device(self.device).type == "cpu"


# (warm-up steps, timed steps, rounds) per (model, device type) for quick and full runs. On the CPU,
# warm-up + timed steps is a multiple of LOG_EVERY where the case is long enough, so that every read of
# the losses falls inside the timed steps. A seed_resnet step at batch 64 takes about 0.25 s on the CPU,
# so that case is kept short.
_PLANS = {
    ("tutorial_cnn", "cpu"): {"quick": (50, 500, 2), "full": (100, 3000, 3)},
    ("tutorial_cnn", "cuda"): {"quick": (50, 1000, 5), "full": (200, 12_300, 3)},  # full: ~one CIFAR-10 epoch
    ("seed_resnet", "cpu"): {"quick": (2, 10, 2), "full": (5, 95, 2)},
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
    """The preset's config on the case's device and batch size, one epoch, the default log interval, eager.

    Eager and contiguous whatever the preset says: this measures the trainer's own cost; memory_format.py
    measures channels-last and torch.compile.
    """
    return build_config(case.preset, {
        "device": case.device, "epochs": 1, "log_every": LOG_EVERY, "batch_size": case.batch_size,
        "channels_last": False, "compile": False,
    })


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


class BareLoop:
    """The reference: the trainer's model, optimizer, loss and batches with nothing else, one step per call.

    `config` defaults to the case's preset config; its channels_last and compile fields apply as in the trainer.
    """

    def __init__(self, case: Case, data: ImageData, config: TrainConfig | None = None) -> None:
        config = config or case_config(case)
        setup = prepare(config, data=data)  # the trainer's own set-up: device, seed, normalization, model
        self.device, self.model = setup.device, setup.model
        self.network = setup.training_network()  # the model, or torch.compile of it when config.compile
        self.optimizer = build_optimizer(self.model, config)
        self.loss_fn = build_loss(config)
        loader = setup.train_loader(drop_last=False)
        loader.set_epoch(0)
        self.batches = iter(loader)
        self.model.train()

    def step(self) -> None:
        """Forward, loss, zero_grad, backward, optimizer step on the next batch."""
        images, labels = next(self.batches)
        loss = self.loss_fn(self.network(images), labels)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()


class LoadSampledSink(RecordingSink):
    """Records like RecordingSink and samples the machine's load at progress reports, as the worker's sink does."""

    load: LoadSampler | None = None

    def on_progress(self, progress: Progress) -> None:
        super().on_progress(progress)
        if self.load is not None:
            points = self.load.points(progress.step)
            if points:
                self.on_metrics(points)


# ------------------------------------------------------------------------------- CPU: interleaved steps


class InterleavingSink(LoadSampledSink):
    """Records like RecordingSink; in each poll after a step, times that step and then one bare-loop step.

    The trainer polls should_stop() once before its first step and once after every step. A trainer step's
    time is from the end of one poll to the start of the next; the bare step runs and is timed in between.
    Steps after the first `warmup_steps` are timed; the trainer is stopped after `last_step` steps.
    """

    def __init__(self, bare: BareLoop, warmup_steps: int, last_step: int) -> None:
        super().__init__()
        self.load = LoadSampler(str(bare.device))
        self.bare = bare
        self.warmup_steps = warmup_steps
        self.last_step = last_step
        self.steps = 0
        self.trainer_seconds = 0.0
        self.bare_seconds = 0.0
        self.left: float | None = None  # perf_counter() when the previous poll returned

    def should_stop(self) -> bool:
        entered = time.perf_counter()
        if self.left is None:  # the poll before the first step
            self.left = time.perf_counter()
            return False
        self.steps += 1
        timed = self.steps > self.warmup_steps
        if timed:
            self.trainer_seconds += entered - self.left
        self.bare.step()
        self.left = time.perf_counter()
        if timed:
            self.bare_seconds += self.left - entered
        return self.steps >= self.last_step


def _interleaving_sink(case: Case, data: ImageData) -> InterleavingSink:
    return InterleavingSink(BareLoop(case, data), case.warmup_steps, case.warmup_steps + case.steps)


def interleaved_seconds(case: Case, data: ImageData) -> tuple[float, float]:
    """(trainer seconds, bare-loop seconds) over the timed steps, the two interleaved step by step."""
    sink = _interleaving_sink(case, data)
    summary = Trainer(case_config(case), sink, data=data).run()
    if summary["global_step"] != case.warmup_steps + case.steps or sink.steps != summary["global_step"]:
        raise RuntimeError(f"trainer ran {summary['global_step']} steps, expected {case.warmup_steps + case.steps}")
    return sink.trainer_seconds, sink.bare_seconds


def aa_seconds(case: Case, data: ImageData) -> tuple[float, float]:
    """The same harness with a second bare loop in the trainer's place: both sides should take the same time."""
    sink = _interleaving_sink(case, data)
    stand_in = BareLoop(case, data)
    sink.should_stop()  # as the trainer polls before its first step
    while True:
        stand_in.step()
        if sink.should_stop():
            break
    return sink.trainer_seconds, sink.bare_seconds


def measure_interleaved(case: Case) -> dict[str, Any]:
    """case.rounds interleaved runs, pooled, and AA_ROUNDS A/A runs; rates are images per second."""
    data = random_images(case)
    rounds = [interleaved_seconds(case, data) for _ in range(case.rounds)]
    aa = [aa_seconds(case, data) for _ in range(AA_ROUNDS)]
    images = case.steps * case.batch_size
    trainer_total, bare_total = sum(t for t, _ in rounds), sum(b for _, b in rounds)
    return {
        "method": "interleaved",
        "trainer_images_per_s": images * len(rounds) / trainer_total,
        "bare_images_per_s": images * len(rounds) / bare_total,
        "ratio": bare_total / trainer_total,
        "round_ratios": [b / t for t, b in rounds],
        "aa_ratio": sum(b for _, b in aa) / sum(t for t, _ in aa),
    }


# ------------------------------------------------------------------------------- CUDA: alternating runs


@dataclass
class TimingSink(LoadSampledSink):
    """Records like RecordingSink; starts the clock after the warm-up and stops the trainer after the timed steps.

    The trainer polls should_stop() once before its first step and once after every step.
    """

    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    warmup_steps: int = 0
    last_step: int = 0
    polls: int = 0
    clock_started: float | None = None  # perf_counter() once the warm-up steps are done on the device

    def should_stop(self) -> bool:
        steps = self.polls  # the first poll comes before any step
        self.polls += 1
        if steps == self.warmup_steps:
            synchronize(self.device)  # the bare loop syncs here too
            self.clock_started = time.perf_counter()
        return steps >= self.last_step


def trainer_rate(case: Case, data: ImageData) -> float:
    """Images per second of Trainer.run over the timed steps (construction and evaluation excluded)."""
    sink = TimingSink(device=torch.device(case.device), warmup_steps=case.warmup_steps,
                      last_step=case.warmup_steps + case.steps)
    sink.load = LoadSampler(case.device)
    summary = Trainer(case_config(case), sink, data=data).run()  # reads the losses (a device sync) as it stops
    stopped = time.perf_counter()
    if sink.clock_started is None or summary["global_step"] != case.warmup_steps + case.steps:
        raise RuntimeError(f"trainer ran {summary['global_step']} steps, expected {case.warmup_steps + case.steps}")
    return case.steps * case.batch_size / (stopped - sink.clock_started)


def bare_rate(case: Case, data: ImageData) -> float:
    """Images per second of the bare loop over the same batches and steps."""
    bare = BareLoop(case, data)
    for _ in range(case.warmup_steps):
        bare.step()
    synchronize(bare.device)
    started = time.perf_counter()
    for _ in range(case.steps):
        bare.step()
    synchronize(bare.device)
    return case.steps * case.batch_size / (time.perf_counter() - started)


def measure_alternating(case: Case) -> dict[str, Any]:
    """Trainer and bare loop measured alternately, case.rounds times each; the best rate of each is kept."""
    data = random_images(case)
    if torch.device(case.device).type == "cuda":
        torch.backends.cudnn.benchmark = True  # the trainer turns it on for CUDA; the bare loop gets it too
    trainer_runs, bare_runs = [], []
    for _ in range(case.rounds):
        trainer_runs.append(trainer_rate(case, data))
        bare_runs.append(bare_rate(case, data))
    best_trainer, best_bare = max(trainer_runs), max(bare_runs)
    return {
        "method": "alternating",
        "trainer_images_per_s": best_trainer,
        "bare_images_per_s": best_bare,
        "ratio": best_trainer / best_bare,
        "trainer_runs": trainer_runs,
        "bare_runs": bare_runs,
    }


# ------------------------------------------------------------------------------------------- all cases


def measure(case: Case) -> dict[str, Any]:
    """One case by its device's method, with the case's description."""
    measured = measure_interleaved(case) if case.interleaved else measure_alternating(case)
    return {
        "preset": case.preset,
        "model": case.model,
        "batch_size": case.batch_size,
        "device": describe_device(torch.device(case.device)),
        "warmup_steps": case.warmup_steps,
        "steps": case.steps,
        "log_every": LOG_EVERY,
        "rounds": case.rounds,
        **measured,
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


def run_from_command_line(doc: str, quick_help: str, run: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """run(quick, threads, devices) as --quick, --threads and --device say, with report logging; its results."""
    parser = benchmark_parser(doc, quick_help)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--device", choices=["cpu", "cuda", "all"], default="all",
                        help="where to measure (default: the CPU, and CUDA when present)")
    args = parser.parse_args()
    report_logging()
    results = run(args.quick, args.threads, default_devices() if args.device == "all" else [args.device])
    logger.info("%s; %d torch threads", results["data"], results["torch_threads"])
    return results


def main() -> None:
    """Run the benchmark and log a table of images per second."""
    results = run_from_command_line(__doc__, "fewer steps (a minute or two on the CPU)", run)
    logger.info("%-14s %5s %-12s %-11s %7s %6s %12s %12s %7s %7s", "model", "batch", "device", "method", "steps",
                "rounds", "trainer/s", "bare/s", "ratio", "A/A")
    for case in results["cases"]:
        aa = f"{case['aa_ratio']:.3f}" if "aa_ratio" in case else "-"
        logger.info("%-14s %5d %-12s %-11s %7d %6d %12.0f %12.0f %7.3f %7s", case["model"], case["batch_size"],
                    case["device"], case["method"], case["steps"], case["rounds"], case["trainer_images_per_s"],
                    case["bare_images_per_s"], case["ratio"], aa)
    logger.info("lowest ratio %.3f (target >= %.2f: %s)", results["min_ratio"], results["target_ratio"],
                "met" if results["meets_target"] else "MISSED")


if __name__ == "__main__":
    main()
