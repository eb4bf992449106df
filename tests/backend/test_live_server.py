"""The backend as a real uvicorn process on a loopback port: CRUD, claims, SSE replay, leases, restarts."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from backend_api import (
    JSON,
    SseEvent,
    checkpoint_bytes,
    claim,
    create_run,
    finish,
    ingest,
    iter_sse,
    lease_headers,
    metrics_event,
    read_until,
    register,
    upload,
)
from backend_server import ServerProcess

from tests.polling import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for the module, with short keep-alives."""
    process = ServerProcess(tmp_path_factory.mktemp("live"), TRAINBOARD_SSE_KEEPALIVE_S="0.3").start()
    yield process
    process.stop()


@pytest.fixture
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    """A client of the live server."""
    with httpx.Client(base_url=server.url, timeout=10.0, headers=JSON) as client:
        yield client


def test_crud_over_http(http: httpx.Client) -> None:
    run = create_run(http, preset="origin-2ep")
    assert http.get(f"/api/runs/{run['id']}").json()["config"]["model"] == "tutorial_cnn"
    assert run["id"] in [r["id"] for r in http.get("/api/runs").json()["data"]]
    clone = http.post(f"/api/runs/{run['id']}/clone", json={"epochs": 2}).json()
    assert clone["config"]["epochs"] == 2
    assert http.post(f"/api/runs/{run['id']}/cancel").json()["status"] == "cancelled"
    assert http.delete(f"/api/runs/{clone['id']}").status_code == 204
    assert http.get(f"/api/runs/{clone['id']}").json() == {"detail": f"run {clone['id']} not found"}
    bad = http.post("/api/runs", json={"preset": "origin-2ep", "epochs": "many"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "epochs"]


def _points(events: list[SseEvent]) -> list[int]:
    return [p["step"] for e in events if e.event == "metrics" for p in e.data["points"]]


def test_sse_replay_after_a_reconnect_loses_and_duplicates_nothing(server: ServerProcess, http: httpx.Client) -> None:
    run = create_run(http)["id"]
    worker = register(http)
    claim(http, worker)
    seen: list[SseEvent] = []
    with httpx.Client(base_url=server.url, timeout=10.0, headers=JSON) as watcher:
        with watcher.stream("GET", f"/api/runs/{run}/events") as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            events = iter_sse(response)
            for batch in range(1, 6):  # steps 1..50 while connected
                ingest(http, run, worker, [metrics_event(batch, range(batch * 10 - 9, batch * 10 + 1))])
            read_until(events, lambda e: e.event == "metrics" and e.data["points"][-1]["step"] == 30, seen)
        # Disconnected after step 30: batches 4 and 5 were sent but not read; 6..10 happen while away.
        for batch in range(6, 11):
            ingest(http, run, worker, [metrics_event(batch, range(batch * 10 - 9, batch * 10 + 1))])
        last_id = seen[-1].id

        def keep_reporting() -> None:  # live events arrive while the reconnect replays
            for batch in range(11, 16):
                ingest(http, run, worker, [metrics_event(batch, range(batch * 10 - 9, batch * 10 + 1))])
            finish(http, run, worker)

        reporter = threading.Thread(target=keep_reporting)
        with watcher.stream("GET", f"/api/runs/{run}/events", headers={"Last-Event-ID": str(last_id)}) as response:
            reporter.start()
            read_until(iter_sse(response), lambda e: e.event == "end", seen)
        reporter.join()
    assert _points(seen) == list(range(1, 151))  # every step once, in order
    ids = [e.id for e in seen if e.id is not None]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert seen[-1].data["status"] == "succeeded"
    assert [e.data["status"] for e in seen if e.event == "status"] == ["queued", "running", "succeeded"]
    # A late subscriber by query parameter gets the rest and the end right away.
    with httpx.Client(base_url=server.url, timeout=10.0, headers=JSON) as late:
        with late.stream("GET", f"/api/runs/{run}/events", params={"last_event_id": ids[-3]}) as response:
            tail = list(iter_sse(response))
    assert [e.id for e in tail] == ids[-2:] and tail[-1].event == "end"


def test_page_load_then_subscribe_from_last_event_id_sees_each_point_once(
    server: ServerProcess, http: httpx.Client
) -> None:
    run = create_run(http)["id"]
    worker = register(http)
    claim(http, worker)
    ingest(http, run, worker, [metrics_event(1, range(1, 11))])
    page = http.get(f"/api/runs/{run}/metrics").json()
    ingest(http, run, worker, [metrics_event(2, range(11, 21))])
    finish(http, run, worker)
    with http.stream("GET", f"/api/runs/{run}/events", params={"last_event_id": page["last_event_id"]}) as response:
        streamed = list(iter_sse(response))
    assert page["series"]["loss"]["steps"] + _points(streamed) == list(range(1, 21))


def test_idle_stream_gets_keep_alive_comments(server: ServerProcess, http: httpx.Client) -> None:
    run = create_run(http)["id"]
    comments: list[str] = []
    with http.stream("GET", f"/api/runs/{run}/events") as response:
        events = iter_sse(response, comments)
        first = next(events)
        assert first.event == "status" and first.data["status"] == "queued"
        time.sleep(1.0)  # idle for over three keep-alive periods (0.3 s)
        http.post(f"/api/runs/{run}/cancel")
        rest = list(events)
    assert comments.count(": keep-alive") >= 2
    assert [e.event for e in rest] == ["log", "status", "end"] and rest[-1].data == {"status": "cancelled"}


def test_run_list_stream_tells_about_created_status_and_deleted(server: ServerProcess, http: httpx.Client) -> None:
    got: list[SseEvent] = []
    with httpx.Client(base_url=server.url, timeout=10.0, headers=JSON) as watcher:
        with watcher.stream("GET", "/api/events") as response:
            run = create_run(http)["id"]
            http.post(f"/api/runs/{run}/cancel")
            http.delete(f"/api/runs/{run}")
            read_until(iter_sse(response), lambda e: e.event == "deleted", got)
    mine = [(e.event, e.data.get("status")) for e in got if e.data.get("id") == run]
    assert mine == [("created", "queued"), ("status", "cancelled"), ("deleted", None)]


def test_concurrent_http_claims_never_share_a_run(http: httpx.Client, server: ServerProcess) -> None:
    while claim(http, register(http, "drain")) is not None:  # runs left by earlier tests
        pass
    runs = {create_run(http)["id"] for _ in range(30)}
    claimed: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def worker_loop(index: int) -> None:
        with httpx.Client(base_url=server.url, timeout=30.0, headers=JSON) as client:
            worker = register(client, f"c{index}")
            start.wait()
            while (run := claim(client, worker)) is not None:
                with lock:
                    claimed.append(run["id"])

    threads = [threading.Thread(target=worker_loop, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(claimed) == sorted(runs)


def test_lease_expiry_requeues_and_the_next_worker_resumes(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path, TRAINBOARD_LEASE_S="0.5", TRAINBOARD_LEASE_CHECK_S="0.05").start()
    try:
        with httpx.Client(base_url=server.url, timeout=10.0, headers=JSON) as http:
            run = create_run(http, epochs=2)["id"]
            silent = register(http, "silent")
            claim(http, silent)
            ingest(http, run, silent, [metrics_event(1, range(1, 21))])
            checkpoint = {"worker_id": silent, "epoch": 1, "step": 10}
            assert (
                http.put(f"/api/runs/{run}/artifacts/checkpoint", params=checkpoint, content=checkpoint_bytes(),
                         headers={**lease_headers(run, silent), "Content-Type": "application/octet-stream"}).status_code
                == 200
            )
            # No claim needed: the server looks for expired leases by itself.
            wait_until(lambda: http.get(f"/api/runs/{run}").json()["status"] == "queued", "the lease to expire")
            assert http.post(f"/api/workers/{silent}/heartbeat", json={"run_id": run}, headers=lease_headers(run, silent)).status_code == 409
            resumed = claim(http, register(http, "rescuer"))
            assert resumed is not None and resumed["id"] == run
            assert resumed["resume"] == {"epoch": 1, "step": 10} and resumed["next_seq"] == 2
            assert http.get(f"/api/runs/{run}/metrics").json()["series"]["loss"]["steps"] == list(range(1, 11))
    finally:
        server.stop()


def test_data_survive_a_server_restart(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10.0, headers=JSON) as http:
            run = create_run(http, name="keeper")["id"]
            worker = register(http)
            claim(http, worker)
            ingest(http, run, worker, [metrics_event(1, range(1, 6))])
            stored = upload(http, run, worker, "per_class", json={"classes": ["a"], "accuracy": [0.5], "split": "test"})
            assert stored.status_code == 200
            finish(http, run, worker)
            before = http.get(f"/api/runs/{run}").json()
            with http.stream("GET", f"/api/runs/{run}/events") as response:
                events_before = list(iter_sse(response))
    finally:
        server.stop()
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=10.0, headers=JSON) as http:
            assert http.get(f"/api/runs/{run}").json() == before
            assert http.get(f"/api/runs/{run}/metrics").json()["series"]["loss"]["steps"] == [1, 2, 3, 4, 5]
            assert http.get(f"/api/runs/{run}/per-class").json()["accuracy"] == [0.5]
            with http.stream("GET", f"/api/runs/{run}/events") as response:
                assert list(iter_sse(response)) == events_before
    finally:
        server.stop()
