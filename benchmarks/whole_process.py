"""Whole process: `trainboard train` for one epoch against a minimal training script, start to exit.

Both are processes started the same way, on the same cached dataset (Fashion-MNIST, batch 4, the origin-2ep
preset's tutorial CNN), one torch thread each: the CLI (import, set-up, the epoch, evaluation with per-class
accuracy and confusion matrix, feature maps, checkpoint, result file, report lines) and benchmarks/bare_epoch.py
(import, set-up, the epoch, the train and test accuracy). They alternate, ROUNDS times; ratio = bare / trainer wall time,
pooled. A first run of each, not timed, fills the dataset cache. Target: >= 1 / 1.02 (the trainer at most 2 %
slower).

    python -m benchmarks.whole_process [--quick]
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.script_args import benchmark_parser, report_logging

logger = logging.getLogger(__name__)

TARGET_RATIO = 1 / 1.02
QUICK = {"train_limit": 6_000, "rounds": 2}
FULL = {"train_limit": None, "rounds": 5}
DATASET = "fashion-mnist"


def _commands(folder: Path, train_limit: int | None) -> dict[str, list[str]]:
    limit = ["--train-limit", str(train_limit)] if train_limit else []
    trainboard = [sys.executable, "-m", "trainboard", "train", "--preset", "origin-2ep", "--dataset", DATASET,
                  "--epochs", "1", "--device", "cpu", "--quiet", "--data-dir", str(folder / "data"),
                  "--out", str(folder / "run"), *limit]
    bare = [sys.executable, "-m", "benchmarks.bare_epoch", "--dataset", DATASET, "--data-dir", str(folder / "data"),
            *limit]
    return {"trainer": trainboard, "bare": bare}


def _seconds(command: list[str]) -> float:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:5])} ... exited {done.returncode}: {done.stderr[-500:]}")
    return elapsed


def run(quick: bool) -> dict[str, Any]:
    """Wall seconds of each side per round, and the pooled ratio."""
    plan = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="trainboard-bench-") as name:
        commands = _commands(Path(name), plan["train_limit"])
        for command in commands.values():
            _seconds(command)  # fills the dataset cache; also the OS file cache of both sides' imports
        times: dict[str, list[float]] = {"trainer": [], "bare": []}
        for _ in range(plan["rounds"]):
            for side, command in commands.items():
                times[side].append(_seconds(command))
    ratio = sum(times["bare"]) / sum(times["trainer"])
    return {
        "dataset": DATASET,
        "train_limit": plan["train_limit"],
        "rounds": plan["rounds"],
        "trainer_s": times["trainer"],
        "bare_s": times["bare"],
        "ratio": ratio,
        "overhead": 1 / ratio - 1,
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio >= TARGET_RATIO,
    }


def main() -> None:
    """Run the benchmark and log its figures."""
    parser = benchmark_parser(__doc__, f"{QUICK['train_limit']:,} training images, {QUICK['rounds']} rounds")
    args = parser.parse_args()
    report_logging()
    results = run(args.quick)
    logger.info("trainer %s s, bare %s s: trainer %.1f %% slower (target <= 2 %%)",
                ", ".join(f"{s:.2f}" for s in results["trainer_s"]), ", ".join(f"{s:.2f}" for s in results["bare_s"]),
                results["overhead"] * 100)


if __name__ == "__main__":
    main()
