"""One call on a GPU machine: are the CUDA paths right, and how fast are they? Prints a short table last.

Not part of `make bench` (its throughput rows come from the same harness); run it on its own.

Checks, all in one process on one device:
- bf16 autocast against fp32: the per-step losses of the seed ResNet, same weights and batches, 50 steps;
- torch.compile against eager, the same way, with the compile time;
- the trainer against a bare loop (benchmarks/trainer_throughput.py's harness) at batch 4 (`origin-2ep`,
  where kernel launches dominate) and at the `fast` preset's batch, and images/s per preset;
- the `fast` preset's time per CIFAR-10 epoch (50,000 images, bf16, its batch) next to airbench94's
  published figure (the airbench package needs a download, which the GPU machines cannot make).

    python -m benchmarks.gpu_check               # CUDA: about 3-5 minutes on one modern GPU
    python -m benchmarks.gpu_check --quick --device cpu   # the CPU fallback CI runs: tiny, a minute or two
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from benchmarks.loss_agreement import loss_trace, relative_gap
from benchmarks.script_args import benchmark_parser, report_logging
from benchmarks.trainer_throughput import Case, measure
from trainboard.trainer.device import describe_device

logger = logging.getLogger(__name__)

CIFAR10_TRAIN_IMAGES = 50_000
# airbench94 (github.com/KellerJordan/cifar10-airbench, README): 94 % in 3.83 s on one A100, 9.9 epochs.
AIRBENCH94_S_PER_EPOCH = 3.83 / 9.9
AIRBENCH94_SOURCE = "published for one A100: 3.83 s over 9.9 epochs; not run here"


@dataclass(frozen=True)
class Plan:
    """Sizes of every measurement, for a real GPU run or the CPU fallback."""

    agreement_model: str
    agreement_batch: int
    agreement_steps: int
    bf16_limits: tuple[float, float]  # (first step, last steps) relative gap allowed
    compile_limits: tuple[float, float]
    throughput: tuple[Case, ...]


def plan(quick: bool, device: str) -> Plan:
    """The full plan on CUDA; a tiny one (--quick) that finishes on two CPU cores."""
    def case(preset: str, model: str, batch: int, warmup: int, steps: int, rounds: int) -> Case:
        return Case(preset, model, batch, device, warmup, steps, rounds)

    if quick:
        return Plan("tutorial_cnn", 16, 12, (0.05, 0.15), (1e-3, 0.02), (
            case("origin-2ep", "tutorial_cnn", 4, 4, 40, 1),
            case("resnet-24ep", "seed_resnet", 8, 1, 3, 1),
            case("fast", "resnet9", 8, 1, 3, 1),
        ))
    return Plan("seed_resnet", 64, 50, (0.02, 0.10), (1e-3, 0.02), (
        case("origin-2ep", "tutorial_cnn", 4, 200, 3000, 3),
        case("resnet-24ep", "seed_resnet", 64, 20, 300, 2),
        case("fast", "resnet9", 512, 10, 60, 3),
    ))


def _agreement(name: str, gaps: dict[str, float], limits: tuple[float, float], extra: dict[str, Any]) -> dict[str, Any]:
    ok = gaps["first_step"] <= limits[0] and gaps["last_steps"] <= limits[1]
    return {"check": name, **gaps, "limits": list(limits), "ok": ok, **extra}


def check_agreement(p: Plan, device: str) -> list[dict[str, Any]]:
    """bf16 against fp32, and compiled against eager: relative loss gaps at the first and the last steps."""
    args = (p.agreement_model, p.agreement_batch, p.agreement_steps, device)
    eager = loss_trace(*args)
    bf16 = loss_trace(*args, bf16=True)
    compiled = loss_trace(*args, compiled=True)
    described = {"model": p.agreement_model, "batch_size": p.agreement_batch, "steps": p.agreement_steps}
    return [
        _agreement("bf16 vs fp32 loss", relative_gap(eager.losses, bf16.losses), p.bf16_limits, described),
        _agreement("compiled vs eager loss", relative_gap(eager.losses, compiled.losses), p.compile_limits,
                   {**described, "compile_s": compiled.first_step_s - eager.first_step_s}),
    ]


def check(quick: bool, device: str) -> dict[str, Any]:
    """Every check and measurement on `device`; plain data."""
    p = plan(quick, device)
    agreement = check_agreement(p, device)
    throughput = [measure(case) for case in p.throughput]
    fast = next(t for t in throughput if t["preset"] == "fast")
    return {
        "device": describe_device(torch.device(device)),
        "quick": quick,
        "torch": torch.__version__,
        "agreement": agreement,
        "throughput": throughput,
        "fast_epoch": {
            "batch_size": fast["batch_size"],
            "seconds": CIFAR10_TRAIN_IMAGES / fast["trainer_images_per_s"],
            "airbench94_seconds": AIRBENCH94_S_PER_EPOCH,
            "airbench94_source": AIRBENCH94_SOURCE,
        },
        "ok": all(a["ok"] for a in agreement),
    }


def table(results: dict[str, Any]) -> list[str]:
    """The report as Markdown table lines."""
    lines = [f"GPU check on {results['device']}, torch {results['torch']}" + (" (quick)" if results["quick"] else ""),
             "", "| check | measured | expected | status |", "|---|---|---|---|"]
    for a in results["agreement"]:
        measured = f"first step {a['first_step']:.3%}, last steps {a['last_steps']:.3%}"
        if "compile_s" in a:
            measured += f"; compile {a['compile_s']:.1f} s"
        expected = f"<= {a['limits'][0]:.1%}, <= {a['limits'][1]:.0%}"
        lines.append(f"| {a['check']} ({a['model']}, batch {a['batch_size']}, {a['steps']} steps) | {measured} "
                     f"| {expected} | {'ok' if a['ok'] else 'FAILED'} |")
    for t in results["throughput"]:
        lines.append(f"| trainer vs bare loop, {t['preset']} ({t['model']}, batch {t['batch_size']}) "
                     f"| {t['trainer_images_per_s']:,.0f} vs {t['bare_images_per_s']:,.0f} img/s = {t['ratio']:.3f}x "
                     f"| >= 0.97x | {'met' if t['ratio'] >= 0.97 else 'missed'} |")
    fast = results["fast_epoch"]
    lines.append(f"| `fast` preset, one CIFAR-10 epoch (batch {fast['batch_size']}) | {fast['seconds']:.2f} s "
                 f"| airbench94 {fast['airbench94_seconds']:.2f} s, {fast['airbench94_source']} | - |")
    return lines


def _device_present(device: str) -> bool:
    target = torch.device(device)
    if target.type != "cuda":
        return target.type == "cpu"
    return torch.cuda.is_available() and (target.index or 0) < torch.cuda.device_count()


def main(argv: list[str] | None = None) -> int:
    """Run the check; exit 1 when an agreement check failed, 2 when the device is not there."""
    parser = benchmark_parser(__doc__, "tiny sizes (the CPU fallback CI runs)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                        help="cuda (default when present), cuda:N or cpu")
    parser.add_argument("--out", type=Path, default=None, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    report_logging()
    if not _device_present(args.device):
        logger.error("device: %s is not available here (torch %s sees %d CUDA devices); use --device cpu",
                     args.device, torch.__version__, torch.cuda.device_count())
        return 2
    results = check(args.quick, args.device)
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=1))
    logger.info("\n".join(table(results)))
    return 0 if results["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
