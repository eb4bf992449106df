"""SDK scripts in parallel: 20 training scripts logging to one server at once; none may see an error.

Each script is a plain `python` process using the SDK: a loop of STEPS steps of 1 ms (a sleep, as a GPU
step leaves the CPU free), logging two metrics every step. Afterwards every run must be `succeeded` with
each of its points stored exactly once, no script may have logged a retry or a refusal (a 429, a 5xx, a
lost connection), and the runs' ingest requests per second (the SDK batches: a few at most) are reported.

    python -m benchmarks.sdk_parallel [--quick]
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from benchmarks.script_args import benchmark_parser, report_logging
from benchmarks.sdk_overhead import ingest_requests
from tests.backend.backend_server import ServerProcess

logger = logging.getLogger(__name__)

SCRIPTS = 20
FULL_STEPS, QUICK_STEPS = 10_000, 1_000
REPO = Path(__file__).resolve().parents[1]
SCRIPT = """
import sys, time
import trainboard
steps = int(sys.argv[1])
with trainboard.init(name=sys.argv[2], config={"steps": steps}) as run:
    print(run.id, flush=True)
    for step in range(1, steps + 1):
        time.sleep(0.001)  # the training step
        run.log({"train/loss": 1.0 / step, "train/acc": step / steps}, step=step)
"""
TROUBLE = ("retrying", "failed", "refused", "Traceback", "lease lost")  # what the SDK logs when a report goes wrong


def _duration_s(run: dict[str, Any]) -> float:
    started, finished = (datetime.fromisoformat(run[key]) for key in ("started_at", "finished_at"))
    return (finished - started).total_seconds()


def measure(url: str, folder: Path, steps: int) -> dict[str, Any]:
    """Start SCRIPTS scripts at once against `url`, wait for all, check every run."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("TRAINBOARD_")}, "TRAINBOARD_SERVER": url,
           "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    logs = [open(folder / f"script-{i}.err", "wb") for i in range(SCRIPTS)]
    started = time.monotonic()
    processes = [
        subprocess.Popen([sys.executable, "-c", SCRIPT, str(steps), f"parallel {i}"], env=env,
                         stdout=subprocess.PIPE, stderr=logs[i])
        for i in range(SCRIPTS)
    ]
    outputs = [p.communicate(timeout=1800)[0].decode() for p in processes]
    wall_s = time.monotonic() - started
    for log_file in logs:
        log_file.close()
    troubles = []
    for i, process in enumerate(processes):
        text = (folder / f"script-{i}.err").read_text(errors="replace")
        lines = [line for line in text.splitlines() if any(word in line for word in TROUBLE)]
        if process.returncode != 0 or lines:
            troubles.append(f"script {i} (exit {process.returncode}): {(lines or text.splitlines() or [''])[0]}")
    run_ids = [int(out.split()[0]) for out in outputs if out.strip()]
    rates, wrong, stored = [], [], 0
    for run_id in run_ids:
        run = httpx.get(f"{url}/api/runs/{run_id}", timeout=60).json()
        series = httpx.get(f"{url}/api/runs/{run_id}/metrics", timeout=60).json()["series"]
        for name in ("train/loss", "train/acc"):
            stored += series.get(name, {}).get("total", 0)
            if series.get(name, {}).get("steps") != list(range(1, steps + 1)):
                wrong.append(f"run {run_id} {name}: {series.get(name, {}).get('total', 0)} points, not each step once")
        if run["status"] != "succeeded":
            wrong.append(f"run {run_id} {run['status']}")
        else:
            rates.append(ingest_requests(url, run_id) / _duration_s(run))
    return {
        "scripts": SCRIPTS,
        "steps_per_script": steps,
        "points_stored": stored,
        "points_logged": 2 * steps * SCRIPTS,
        "scripts_with_errors": len(troubles),
        "runs_wrong": len(wrong),
        "max_requests_per_run_per_s": max(rates) if rates else 0.0,
        "mean_requests_per_run_per_s": sum(rates) / len(rates) if rates else 0.0,
        "wall_s": wall_s,
        "first_error": (troubles + wrong + [""])[0],
        "meets_target": not troubles and not wrong and len(run_ids) == SCRIPTS,
    }


def run(quick: bool) -> dict[str, Any]:
    """SCRIPTS SDK scripts logging in parallel to one server: errors, points stored, requests per second."""
    steps = QUICK_STEPS if quick else FULL_STEPS
    with tempfile.TemporaryDirectory(prefix="trainboard-bench-") as name:
        folder = Path(name)
        server = ServerProcess(folder, TRAINBOARD_DB=str(folder / "bench.db")).start()
        try:
            return measure(server.url, folder, steps)
        finally:
            server.stop()


def main() -> None:
    """Run the benchmark and log the figures."""
    parser = benchmark_parser(__doc__, f"{QUICK_STEPS:,} steps a script, not {FULL_STEPS:,}")
    args = parser.parse_args()
    report_logging()
    r = run(args.quick)
    logger.info("%d scripts x %d steps in %.1f s: %d of %d points stored; %d scripts with errors, %d runs wrong",
                r["scripts"], r["steps_per_script"], r["wall_s"], r["points_stored"], r["points_logged"],
                r["scripts_with_errors"], r["runs_wrong"])
    logger.info("ingest requests per run per second: mean %.1f, max %.1f", r["mean_requests_per_run_per_s"],
                r["max_requests_per_run_per_s"])
    if r["first_error"]:
        logger.info("first error: %s", r["first_error"])


if __name__ == "__main__":
    main()
