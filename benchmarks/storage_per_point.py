"""Storage per metric point: the bytes a 100,000-step run's points take in the database, on SQLite and on
PostgreSQL, and the rate they are stored at.

For each database a real uvicorn server on a loopback port (SQLite: a fresh file; PostgreSQL: a private
server started for the run). One fake worker holding one run posts the run as the worker's reporting sink
would: `loss` and `lr` at every step in metrics events of LOG_EVERY steps, each followed by a progress event,
BATCH_EVENTS events per request. Bytes per point = growth of the database (SQLite: the file after a WAL
checkpoint; PostgreSQL: the run_event and metric_point tables with their indexes and TOAST) / points.

    python -m benchmarks.storage_per_point [--quick]
"""

from __future__ import annotations

import json
import logging
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from benchmarks.script_args import benchmark_parser, report_logging
from tests.backend.backend_server import ServerProcess
from tests.postgres.pg_cluster import PostgresServer, create_database
from trainboard.worker.client import JSON

logger = logging.getLogger(__name__)

QUICK_STEPS, FULL_STEPS = 10_000, 100_000
LOG_EVERY = 50  # steps per metrics event (the trainer's default window)
BATCH_EVENTS = 100  # events per ingest request
SERIES = ("loss", "lr")


def _bodies(worker_id: int, steps: int) -> Iterator[bytes]:
    """The run's ingest bodies, encoded: metrics events of LOG_EVERY steps, each followed by a progress event."""
    events: list[dict[str, Any]] = []
    seq = 0
    for first in range(1, steps + 1, LOG_EVERY):
        window = range(first, min(first + LOG_EVERY, steps + 1))
        points = [{"name": name, "step": s, "value": 2.3 / (1 + s / 1000) + (s % 7) * 1e-3}
                  for s in window for name in SERIES]
        seq += 1
        events.append({"seq": seq, "type": "metrics", "points": points})
        seq += 1
        events.append({"seq": seq, "type": "progress", "epoch": 1, "epochs": 1, "step": window[-1],
                       "total_steps": steps, "images_per_s": 5000.0, "eta_s": 10.0})
        if len(events) >= BATCH_EVENTS:
            yield json.dumps({"worker_id": worker_id, "events": events}).encode()
            events = []
    if events:
        yield json.dumps({"worker_id": worker_id, "events": events}).encode()


def _post_run(url: str, steps: int) -> float:
    """Create, claim and report one run of `steps` steps; returns the seconds the ingest requests took."""
    with httpx.Client(base_url=url, timeout=120.0) as http:
        run_id = http.post("/api/runs", json={"dataset": "synthetic", "name": "storage"}).json()["id"]
        worker_id = http.post("/api/workers/register", json={"name": "w", "device": "cpu"}).json()["id"]
        claimed = http.post(f"/api/workers/{worker_id}/claim", headers=JSON).json()["run"]
        headers = {**JSON, "X-Lease-Token": claimed["lease_token"]}
        bodies = list(_bodies(worker_id, steps))
        began = time.perf_counter()
        for body in bodies:
            http.post(f"/api/runs/{run_id}/ingest", content=body, headers=headers).raise_for_status()
        elapsed = time.perf_counter() - began
        stored = http.get(f"/api/runs/{run_id}/metrics", params={"names": "loss", "max_points": 2}).json()
        if stored["series"]["loss"]["total"] != steps:
            raise RuntimeError(f"stored {stored['series']['loss']['total']} of {steps} loss points")
    return elapsed


def _sqlite_bytes(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


def _measured(url: str, steps: int, size: Callable[[], int]) -> dict[str, float]:
    before = size()
    seconds = _post_run(url, steps)
    points = steps * len(SERIES)
    return {"bytes_per_point": (size() - before) / points, "points_per_s": points / seconds}


def _on_sqlite(folder: Path, steps: int) -> dict[str, float]:
    database = folder / "storage.db"
    server = ServerProcess(folder, TRAINBOARD_DB=str(database)).start()
    try:
        return _measured(server.url, steps, lambda: _sqlite_bytes(database))
    finally:
        server.stop()


@contextmanager
def _postgres_database() -> Iterator[str]:
    postgres = PostgresServer().start()
    try:
        yield create_database(postgres.admin_url)
    finally:
        postgres.stop()


def _postgres_bytes(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        row = connection.execute(
            "SELECT pg_total_relation_size('run_event') + pg_total_relation_size('metric_point')"
        ).fetchone()
    return int(row[0]) if row else 0


def _on_postgres(folder: Path, steps: int) -> dict[str, float]:
    with _postgres_database() as database_url:
        server = ServerProcess(folder, TRAINBOARD_DATABASE_URL=database_url).start()
        try:
            return _measured(server.url, steps, lambda: _postgres_bytes(database_url))
        finally:
            server.stop()


def run(quick: bool) -> dict[str, Any]:
    """Bytes per stored point and points stored per second, on SQLite and on PostgreSQL."""
    steps = QUICK_STEPS if quick else FULL_STEPS
    results: dict[str, Any] = {"steps": steps, "series": list(SERIES), "points": steps * len(SERIES),
                               "log_every": LOG_EVERY}
    with tempfile.TemporaryDirectory(prefix="trainboard-bench-") as name:
        for database, measure in (("sqlite", _on_sqlite), ("postgresql", _on_postgres)):
            folder = Path(name) / database
            folder.mkdir()
            measured = measure(folder, steps)
            results.update({f"{database}_{key}": value for key, value in measured.items()})
    return results


def main() -> None:
    """Run the benchmark and log its figures."""
    parser = benchmark_parser(__doc__, f"{QUICK_STEPS:,} steps instead of {FULL_STEPS:,}")
    args = parser.parse_args()
    report_logging()
    results = run(args.quick)
    for database in ("sqlite", "postgresql"):
        logger.info("%s: %.1f bytes per point, %.0f points/s (%d steps, %s)", database,
                    results[f"{database}_bytes_per_point"], results[f"{database}_points_per_s"], results["steps"],
                    ", ".join(results["series"]))


if __name__ == "__main__":
    main()
