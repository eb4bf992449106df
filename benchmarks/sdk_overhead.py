"""SDK overhead: what `run.log` costs a training loop, against a real server, side by side with a bare loop.

One process, one run: blocks of a bare loop (a step computes a loss-like value) and blocks of the same loop
calling `run.log({"loss": ..., "lr": ...}, step=i)` every step alternate (the interleaved method: both sides
see the same machine load). Each logging block ends with run.flush(), so the hand-over to the reporter is
on its clock. Per-call cost = (logging time - bare time) / steps, as a share of a 1 ms training step (target
under 5 %). The process's CPU time over the whole run, delivery included, is reported per call too. At the
end every point must be stored once, and the run's ingest requests per second are counted.

    python -m benchmarks.sdk_overhead [--quick]
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

import trainboard
from benchmarks.script_args import benchmark_parser, report_logging
from tests.backend.backend_server import ServerProcess

logger = logging.getLogger(__name__)

FULL_STEPS, QUICK_STEPS = 100_000, 20_000  # per side
ROUNDS = 10  # bare and logging blocks alternate this many times
STEP_US = 1000.0  # the training step the overhead is a share of (1 ms)
TARGET_SHARE = 0.05


def bare_block(first: int, count: int) -> float:
    """Seconds for `count` steps of the bare loop."""
    started = time.perf_counter()
    total = 0.0
    for i in range(first, first + count):
        loss = 1.0 / i
        total += loss
    return time.perf_counter() - started


def logging_block(run: trainboard.Run, first: int, count: int) -> float:
    """Seconds for `count` steps of the same loop with run.log every step, and the hand-over at the end."""
    started = time.perf_counter()
    total = 0.0
    for i in range(first, first + count):
        loss = 1.0 / i
        total += loss
        run.log({"loss": loss, "lr": 0.1}, step=i)
    run.flush()
    return time.perf_counter() - started


def ingest_requests(url: str, run_id: int) -> int:
    """The run's ingest requests that carried points: each one stores exactly one `metrics` event."""
    count = 0
    with httpx.stream("GET", f"{url}/api/runs/{run_id}/events", timeout=60) as response:
        for line in response.iter_lines():
            if line == "event: metrics":
                count += 1
            elif line == "event: end":
                break
    return count


def measure(url: str, steps: int) -> dict[str, Any]:
    """Run both sides against the server at `url`; check the stored points."""
    per_block = steps // ROUNDS
    cpu_started, wall_started = time.process_time(), time.monotonic()
    run = trainboard.init(name="sdk overhead", config={"steps": steps}, server=url)
    bare_s = logged_s = 0.0
    for block in range(ROUNDS):
        first = block * per_block + 1
        bare_s += bare_block(first, per_block)
        logged_s += logging_block(run, first, per_block)
    run.finish()
    cpu_s, wall_s = time.process_time() - cpu_started, time.monotonic() - wall_started
    run_id = run.id
    assert run_id is not None
    series = httpx.get(f"{url}/api/runs/{run_id}/metrics", params={"names": "loss,lr"}, timeout=60).json()["series"]
    for name in ("loss", "lr"):
        if series[name]["steps"] != list(range(1, ROUNDS * per_block + 1)):
            raise RuntimeError(f"{name}: {series[name]['total']} points stored, not each of {ROUNDS * per_block} once")
    n = ROUNDS * per_block
    call_us = (logged_s - bare_s) / n * 1e6
    requests = ingest_requests(url, run_id)
    return {
        "steps_per_side": n,
        "bare_step_us": bare_s / n * 1e6,
        "log_call_us": call_us,
        "share_of_1ms_step": call_us / STEP_US,
        "cpu_per_call_us": (cpu_s - bare_s) / n * 1e6,  # the whole process, delivery threads included
        "points_stored": 2 * n,
        "ingest_requests": requests,
        "requests_per_s": requests / wall_s,
        "meets_target": call_us / STEP_US < TARGET_SHARE,
    }


def run(quick: bool) -> dict[str, Any]:
    """The SDK's cost per run.log call next to a bare loop, and the requests it made."""
    steps = QUICK_STEPS if quick else FULL_STEPS
    with tempfile.TemporaryDirectory(prefix="trainboard-bench-") as folder:
        server = ServerProcess(Path(folder), TRAINBOARD_DB=str(Path(folder) / "bench.db")).start()
        try:
            results = measure(server.url, steps)
        finally:
            server.stop()
    return {**results, "target_share": TARGET_SHARE}


def main() -> None:
    """Run the benchmark and log the figures."""
    parser = benchmark_parser(__doc__, f"{QUICK_STEPS:,} steps a side, not {FULL_STEPS:,}")
    args = parser.parse_args()
    report_logging()
    r = run(args.quick)
    logger.info("%d steps a side: bare step %.2f us; run.log %.2f us a call = %.2f %% of a 1 ms step (target < %.0f %%)",
                r["steps_per_side"], r["bare_step_us"], r["log_call_us"], 100 * r["share_of_1ms_step"],
                100 * r["target_share"])
    logger.info("process CPU per call, delivery included: %.2f us; %d points stored in %d ingest requests (%.1f/s)",
                r["cpu_per_call_us"], r["points_stored"], r["ingest_requests"], r["requests_per_s"])


if __name__ == "__main__":
    main()
