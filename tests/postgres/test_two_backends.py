"""Two backend processes on one PostgreSQL database: claims stay exactly-once, live events reach either one."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.backend.backend_api import (
    JSON,
    SseEvent,
    claim,
    create_run,
    finish,
    ingest,
    iter_sse,
    metrics_event,
    read_until,
    register,
)
from tests.backend.backend_server import ServerProcess

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]

RUNS = 60
CLAIMERS = 8


@pytest.fixture
def backends(tmp_path: Path, postgres_url: str) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two uvicorn processes, A and B, on the same database and artifact folder, started at the same time."""
    pair = [ServerProcess(tmp_path, TRAINBOARD_DATABASE_URL=postgres_url) for _ in range(2)]
    starters = [threading.Thread(target=server.start) for server in pair]  # both migrate the new database at once
    for starter in starters:
        starter.start()
    for starter in starters:
        starter.join()
    try:
        assert all(server.process is not None for server in pair), "a backend did not start"
        yield pair[0], pair[1]
    finally:
        for server in pair:
            server.stop()


def test_concurrent_claims_through_two_backends_take_each_run_once(
    backends: tuple[ServerProcess, ServerProcess],
) -> None:
    urls = [server.url for server in backends]
    with httpx.Client(base_url=urls[0], timeout=10.0, headers=JSON) as http:
        runs = {create_run(http)["id"] for _ in range(RUNS)}
    claims: list[tuple[int, int]] = []  # (run id, index of the backend that answered)
    lock = threading.Lock()
    start = threading.Barrier(CLAIMERS)

    def claimer(index: int) -> None:
        clients = [httpx.Client(base_url=url, timeout=30.0, headers=JSON) for url in urls]
        try:
            worker = register(clients[index % 2], f"claimer-{index}")
            start.wait()
            for attempt in range(RUNS + 1):  # alternate backends, so every run is fought over through both
                backend = (index + attempt) % 2
                run = claim(clients[backend], worker)
                if run is None:
                    return
                with lock:
                    claims.append((run["id"], backend))
        finally:
            for client in clients:
                client.close()

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(CLAIMERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    counts = Counter(run_id for run_id, _ in claims)
    assert set(counts) == runs
    assert [run_id for run_id, n in counts.items() if n > 1] == []  # no run went to two workers
    assert {backend for _, backend in claims} == {0, 1}  # both processes handed out runs


def test_a_stream_on_one_backend_gets_events_ingested_through_the_other(
    backends: tuple[ServerProcess, ServerProcess],
) -> None:
    a, b = backends
    with httpx.Client(base_url=a.url, timeout=10.0, headers=JSON) as via_a, httpx.Client(base_url=b.url, timeout=10.0, headers=JSON) as via_b:
        run = create_run(via_a)["id"]
        worker = register(via_b)
        claim(via_b, worker)
        seen: list[SseEvent] = []
        with httpx.Client(base_url=a.url, timeout=10.0, headers=JSON) as watcher:  # 10 s read timeout: live, not a fallback
            with watcher.stream("GET", f"/api/runs/{run}/events") as response:
                events = iter_sse(response)
                read_until(events, lambda e: e.event == "status" and e.data["status"] == "running", seen)
                ingest(via_b, run, worker, [metrics_event(1, range(1, 11))])
                read_until(events, lambda e: e.event == "metrics", seen)
                assert [p["step"] for p in seen[-1].data["points"]] == list(range(1, 11))
                # Batches alternate between the backends; the stream on A misses and reorders none of them.
                for seq in range(2, 22):
                    batch = [metrics_event(seq, range(seq * 10 - 9, seq * 10 + 1))]
                    ingest((via_a, via_b)[seq % 2], run, worker, batch)
                finish(via_b, run, worker)
                read_until(events, lambda e: e.event == "end", seen)
    steps = [p["step"] for e in seen if e.event == "metrics" for p in e.data["points"]]
    assert steps == list(range(1, 211))
    ids = [e.id for e in seen if e.id is not None]
    assert ids == sorted(set(ids))
    assert seen[-1].data == {"status": "succeeded"}


def test_run_list_changes_made_on_one_backend_reach_the_other(backends: tuple[ServerProcess, ServerProcess]) -> None:
    a, b = backends
    big_info = {"classes": [f"class-{i:05d}-" + "x" * 40 for i in range(400)]}  # about 20 KB: over NOTIFY's limit
    got: list[SseEvent] = []
    with httpx.Client(base_url=b.url, timeout=10.0, headers=JSON) as via_b:
        with httpx.Client(base_url=a.url, timeout=10.0, headers=JSON) as watcher, watcher.stream("GET", "/api/events") as response:
            events = iter_sse(response)
            run = create_run(via_b)["id"]
            worker = register(via_b)
            claim(via_b, worker)
            ingest(via_b, run, worker, [{"seq": 1, "type": "start", "info": big_info}])
            read_until(events, lambda e: e.event == "status" and bool(e.data.get("info")), got)
            via_b.post(f"/api/runs/{run}/cancel")
            read_until(events, lambda e: e.event == "status" and e.data["status"] == "cancelled", got)
            via_b.delete(f"/api/runs/{run}")
            read_until(events, lambda e: e.event == "deleted", got)
    mine = [e for e in got if e.data.get("id") == run]
    assert [(e.event, e.data.get("status"), bool(e.data.get("info"))) for e in mine] == [
        ("created", "queued", False),
        ("status", "running", False),
        ("status", "running", True),  # sent as a run id, read back by A: the run now carries the trainer's info
        ("status", "cancelled", True),
        ("deleted", None, False),
    ]
    assert mine[2].data["info"] == big_info
