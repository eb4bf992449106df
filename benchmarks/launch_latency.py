"""Launch latency: from the POST that creates a run to it running, and to its first loss point on the run's SSE
stream, with a warm server and a warm, idle worker.

A real uvicorn server (fresh SQLite file) and one real worker process (`python -m trainboard.worker`) on
loopback. The run is small and reads its loss at every step (`log_every` 1) on the synthetic dataset, which
is made in memory; the first launch warms the worker (torch, the model code) and is not counted. Each
launch opens the run's event stream right after the POST returns and reads it until the first `metrics`
event with a loss point; then the run is cancelled and the next launch waits for the worker to be idle.
Target: the first loss point under 250 ms (median).

    python -m benchmarks.launch_latency [--quick]
"""

from __future__ import annotations

import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.script_args import benchmark_parser, report_logging
from tests.backend.backend_server import ServerProcess
from tests.e2e.cluster import WorkerProcess
from tests.polling import wait_until
from trainboard.cli.rest_client import parse_sse
from trainboard.worker.client import JSON

logger = logging.getLogger(__name__)

TARGET_MEDIAN_MS = 250.0
QUICK_LAUNCHES, FULL_LAUNCHES = 5, 20
RUN = {"preset": "origin-2ep", "dataset": "synthetic", "epochs": 1, "train_limit": 4096, "test_limit": 64,
       "batch_size": 16, "log_every": 1, "normalize": "dataset"}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def launch_once(http: httpx.Client) -> dict[str, float]:
    """One launch: ms from the POST to `running` and to the first loss point on the stream; then cancel it."""
    started = time.perf_counter()
    run_id = http.post("/api/runs", json=RUN).raise_for_status().json()["id"]
    created = time.perf_counter()
    running_at: float | None = None
    with http.stream("GET", f"/api/runs/{run_id}/events", timeout=60) as stream:
        for event in parse_sse(stream.iter_lines()):
            if event.event == "status" and event.data.get("status") == "running" and running_at is None:
                running_at = time.perf_counter()
            elif event.event == "metrics" and any(p["name"] == "loss" for p in event.data.get("points", [])):
                first_loss_at = time.perf_counter()
                break
            elif event.event == "end":
                raise RuntimeError(f"run {run_id} ended before its first loss point: {event.data}")
    http.post(f"/api/runs/{run_id}/cancel", headers=JSON).raise_for_status()
    wait_until(lambda: http.get(f"/api/runs/{run_id}").json()["status"] == "cancelled", f"run {run_id} to stop", 60)
    return {
        "post_ms": (created - started) * 1000,
        "running_ms": ((running_at or first_loss_at) - started) * 1000,
        "first_loss_ms": (first_loss_at - started) * 1000,
    }


def run(quick: bool) -> dict[str, Any]:
    """Median, p95 and max over the launches (after one warm-up launch), in milliseconds."""
    launches = QUICK_LAUNCHES if quick else FULL_LAUNCHES
    with tempfile.TemporaryDirectory(prefix="trainboard-bench-") as name:
        folder = Path(name)
        server = ServerProcess(folder, TRAINBOARD_DB=str(folder / "bench.db")).start()
        worker = WorkerProcess(server.url, folder, "bench")
        try:
            with httpx.Client(base_url=server.url, timeout=30.0) as http:
                wait_until(lambda: http.get("/api/workers").json()["count"] == 1, "the worker to register", 120)
                launch_once(http)  # warm-up
                measured = [launch_once(http) for _ in range(launches)]
        finally:
            worker.stop()
            server.stop()
    first_loss = [m["first_loss_ms"] for m in measured]
    running = [m["running_ms"] for m in measured]
    median = statistics.median(first_loss)
    return {
        "launches": launches,
        "config": RUN,
        "running_median_ms": statistics.median(running),
        "running_p95_ms": _percentile(running, 0.95),
        "first_loss_median_ms": median,
        "first_loss_p95_ms": _percentile(first_loss, 0.95),
        "first_loss_max_ms": max(first_loss),
        "post_median_ms": statistics.median(m["post_ms"] for m in measured),
        "target_median_ms": TARGET_MEDIAN_MS,
        "meets_target": median < TARGET_MEDIAN_MS,
    }


def main() -> None:
    """Run the benchmark and log its figures."""
    parser = benchmark_parser(__doc__, f"{QUICK_LAUNCHES} launches instead of {FULL_LAUNCHES}")
    args = parser.parse_args()
    report_logging()
    results = run(args.quick)
    logger.info("POST -> running: median %.0f ms, p95 %.0f ms", results["running_median_ms"], results["running_p95_ms"])
    logger.info("POST -> first loss on the stream: median %.0f ms, p95 %.0f ms, max %.0f ms (target < %.0f ms)",
                results["first_loss_median_ms"], results["first_loss_p95_ms"], results["first_loss_max_ms"],
                TARGET_MEDIAN_MS)


if __name__ == "__main__":
    main()
