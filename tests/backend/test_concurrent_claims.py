"""Two workers never get the same run: many claimers at once on one database, in threads and in processes."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path
from typing import Any

from backend_fixtures import fresh_database_url
from sqlmodel import Session

from trainboard.backend.db import init_db, make_engine
from trainboard.backend.live.in_process import InProcessBroker
from trainboard.backend.services import dispatch
from trainboard.backend.services.runs import create_run
from trainboard.backend.settings import Settings
from trainboard.backend.worker_protocol import WorkerRegister

RUNS = 40


def _queue_runs(url: str, count: int) -> None:
    engine = make_engine(url)
    init_db(engine)
    broker = InProcessBroker()
    with Session(engine, expire_on_commit=False) as session:
        for _ in range(count):
            create_run(session, broker, {"dataset": "synthetic", "epochs": 1}, lease_s=30.0)
    engine.dispose()


def claim_until_empty(url: str, name: str, start: Any) -> list[int]:
    """A claimer with its own engine (its own connections): register, wait for the others, claim until empty."""
    engine = make_engine(url)
    broker = InProcessBroker()
    claimed: list[int] = []
    with Session(engine, expire_on_commit=False) as session:
        settings = Settings(database_url=url, artifact_dir=Path("unused"), data_dir=Path("unused"))
        worker_id = dispatch.register_worker(session, WorkerRegister(name=name, device="cpu"), settings).id
        start.wait()
        while (run := dispatch.claim_run(session, broker, worker_id, 60.0, 5)) is not None:
            claimed.append(run.id)
    engine.dispose()
    return claimed


def _claimer_process(url: str, name: str, start: Any, results: Any) -> None:
    results.put((name, claim_until_empty(url, name, start)))


def test_concurrent_claims_in_threads_never_share_a_run(tmp_path: Path) -> None:
    url = fresh_database_url(tmp_path, "claims.db")
    _queue_runs(url, RUNS)
    results: dict[str, list[int]] = {}
    start = threading.Barrier(8)

    def claimer(name: str) -> None:
        results[name] = claim_until_empty(url, name, start)

    threads = [threading.Thread(target=claimer, args=(f"t{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    everything = [run_id for claimed in results.values() for run_id in claimed]
    assert len(results) == 8
    assert sorted(everything) == list(range(1, RUNS + 1))  # each run exactly once


def test_concurrent_claims_in_processes_never_share_a_run(tmp_path: Path) -> None:
    url = fresh_database_url(tmp_path, "claims.db")
    _queue_runs(url, RUNS)
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(3), context.Queue()
    processes = [context.Process(target=_claimer_process, args=(url, f"p{i}", start, results)) for i in range(3)]
    for process in processes:
        process.start()
    try:
        claimed = dict(results.get(timeout=60) for _ in processes)
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
    everything = [run_id for runs in claimed.values() for run_id in runs]
    assert sorted(everything) == list(range(1, RUNS + 1))
