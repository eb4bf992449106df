"""Ingest rate: metric points per second a real backend stores, on SQLite and on PostgreSQL, side by side.

For each database a real uvicorn server starts on a loopback port (SQLite: a fresh file; PostgreSQL: a
private server started for the run, with PostgreSQL's default durability, fsync on). WORKERS fake
workers, each holding its own run, post batches shaped like the worker's reporting sink sends them at
full speed (200 events: metrics events of 5 points, each followed by a progress event) back to back.
Rate = points stored / wall time; the bodies are encoded before the clock starts.

    python -m benchmarks.ingest_rate [--quick]
"""

from __future__ import annotations

import json
import logging
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.script_args import benchmark_parser, report_logging
from tests.backend.backend_server import ServerProcess
from tests.postgres.pg_cluster import PostgresServer, create_database
from trainboard.worker.client import JSON

logger = logging.getLogger(__name__)

WORKERS = 4  # concurrent fake workers, one run each
EVENTS_PER_BATCH = 200  # the reporting sink's default batch_events
POINTS_PER_METRICS_EVENT = 5
SERIES = ("loss", "lr", "grad_norm", "train_loss_smooth", "images_per_s")
QUICK_BATCHES, FULL_BATCHES = 10, 60  # per worker


def _bodies(worker_id: int, batches: int) -> list[bytes]:
    """Encoded ingest bodies: per batch, metrics and progress events alternating, sequence numbers from 1."""
    bodies, seq, step = [], 0, 0
    for _ in range(batches):
        events: list[dict[str, Any]] = []
        for _ in range(EVENTS_PER_BATCH // 2):
            step += 1
            seq += 1
            points = [{"name": name, "step": step, "value": 1.0 / step} for name in SERIES]
            events.append({"seq": seq, "type": "metrics", "points": points})
            seq += 1
            progress = {"epoch": 1, "epochs": 1, "step": step, "total_steps": 10**6, "images_per_s": 1e4, "eta_s": 60.0}
            events.append({"seq": seq, "type": "progress", **progress})
        bodies.append(json.dumps({"worker_id": worker_id, "events": events}).encode())
    return bodies


def _measure(server: ServerProcess, batches: int) -> dict[str, float]:
    """Points per second and batch round trips while WORKERS fake workers post `batches` batches each."""
    with httpx.Client(base_url=server.url, timeout=60.0) as http:
        held: list[tuple[int, int, str]] = []  # (run id, worker id, lease token)
        for index in range(WORKERS):
            run_id = http.post("/api/runs", json={"dataset": "synthetic", "name": f"ingest {index}"}).json()["id"]
            worker_id = http.post("/api/workers/register", json={"name": f"w{index}", "device": "cpu"}).json()["id"]
            claimed = http.post(f"/api/workers/{worker_id}/claim", headers=JSON).json()["run"]
            if claimed["id"] != run_id:
                raise RuntimeError("a fake worker claimed another worker's run")
            held.append((run_id, worker_id, claimed["lease_token"]))
    plans = [(run_id, token, _bodies(worker_id, batches)) for run_id, worker_id, token in held]
    round_trips_ms: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(WORKERS + 1)

    def post_all(run_id: int, lease_token: str, bodies: list[bytes]) -> None:
        headers = {**JSON, "X-Lease-Token": lease_token}
        with httpx.Client(base_url=server.url, timeout=60.0) as client:
            start.wait()
            for body in bodies:
                sent = time.perf_counter()
                answer = client.post(f"/api/runs/{run_id}/ingest", content=body, headers=headers)
                took_ms = (time.perf_counter() - sent) * 1000
                with lock:
                    round_trips_ms.append(took_ms)
                    if answer.status_code != 200:
                        errors.append(f"{answer.status_code} {answer.text[:200]}")

    threads = [threading.Thread(target=post_all, args=plan) for plan in plans]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed_s = time.perf_counter() - began
    if errors:
        raise RuntimeError(f"{len(errors)} ingest batches failed, first: {errors[0]}")
    expected = batches * EVENTS_PER_BATCH // 2  # points per series and run
    with httpx.Client(base_url=server.url, timeout=60.0) as http:
        for run_id, _, _ in held:
            stored = http.get(f"/api/runs/{run_id}/metrics", params={"names": "loss", "max_points": 2}).json()
            if stored["series"]["loss"]["total"] != expected:
                raise RuntimeError(f"run {run_id} stored {stored['series']['loss']['total']} of {expected} points")
    points = WORKERS * batches * EVENTS_PER_BATCH // 2 * POINTS_PER_METRICS_EVENT
    return {
        "points_per_s": points / elapsed_s,
        "batch_p50_ms": statistics.median(round_trips_ms),
        "batch_max_ms": max(round_trips_ms),
    }


def _on_sqlite(folder: Path, batches: int) -> dict[str, float]:
    server = ServerProcess(folder / "sqlite", TRAINBOARD_DB=str(folder / "sqlite" / "bench.db")).start()
    try:
        return _measure(server, batches)
    finally:
        server.stop()


def _on_postgres(folder: Path, batches: int) -> dict[str, float]:
    postgres = PostgresServer(durable=True).start()
    try:
        database_url = create_database(postgres.admin_url)
        server = ServerProcess(folder / "postgres", TRAINBOARD_DATABASE_URL=database_url).start()
        try:
            return _measure(server, batches)
        finally:
            server.stop()
    finally:
        postgres.stop()


def run(quick: bool) -> dict[str, Any]:
    """Metric points stored per second on SQLite and on PostgreSQL, and the batch round trips."""
    batches = QUICK_BATCHES if quick else FULL_BATCHES
    results: dict[str, Any] = {
        "workers": WORKERS,
        "batches_per_worker": batches,
        "points_per_batch": EVENTS_PER_BATCH // 2 * POINTS_PER_METRICS_EVENT,
    }
    with tempfile.TemporaryDirectory(prefix="trainboard-bench-") as folder:
        for name, measure in (("sqlite", _on_sqlite), ("postgresql", _on_postgres)):
            logger.info("ingest rate on %s", name)
            measured = measure(Path(folder), batches)
            results.update({f"{name}_{key}": value for key, value in measured.items()})
    results["postgresql_vs_sqlite"] = results["postgresql_points_per_s"] / results["sqlite_points_per_s"]
    return results


def main() -> None:
    """Run the benchmark and log the rates."""
    parser = benchmark_parser(__doc__, f"{QUICK_BATCHES} batches per worker, not {FULL_BATCHES}")
    args = parser.parse_args()
    report_logging()
    results = run(args.quick)
    logger.info(
        "%d workers x %d batches of %d points",
        results["workers"], results["batches_per_worker"], results["points_per_batch"],
    )
    for name in ("sqlite", "postgresql"):
        logger.info(
            "%-10s %9.0f points/s  (batch round trip p50 %.0f ms, max %.0f ms)",
            name, results[f"{name}_points_per_s"], results[f"{name}_batch_p50_ms"], results[f"{name}_batch_max_ms"],
        )
    logger.info("PostgreSQL / SQLite: %.2fx", results["postgresql_vs_sqlite"])


if __name__ == "__main__":
    main()
