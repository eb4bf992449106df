"""The worker protocol against the app: claims, heartbeats, idempotent ingest, artifacts, finish, leases."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from backend_api import (
    JSON,
    checkpoint_bytes,
    claim,
    create_run,
    finish,
    ingest,
    lease_headers,
    metrics_event,
    register,
    upload,
)
from backend_fixtures import make_settings
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.polling import wait_until
from trainboard.backend.app import create_app


def test_claim_hands_out_oldest_queued_run_then_204(client: TestClient) -> None:
    first, second = create_run(client)["id"], create_run(client)["id"]
    worker = register(client)
    claimed = claim(client, worker)
    assert claimed is not None
    assert claimed["id"] == first and claimed["attempt"] == 1 and claimed["next_seq"] == 1 and claimed["resume"] is None
    assert claimed["config"]["dataset"] == "synthetic" and claimed["kind"] == "train"
    assert (claim(client, worker) or {}).get("id") == second
    assert claim(client, worker) is None
    run = client.get(f"/api/runs/{first}").json()
    assert run["status"] == "running" and run["worker"] == "w" and run["device"] == "cpu" and run["started_at"]


def test_unknown_worker_is_404(client: TestClient) -> None:
    assert client.post("/api/workers/77/claim").json() == {"detail": "worker 77 not found"}
    assert client.post("/api/workers/77/heartbeat", json={"run_id": None}).status_code == 404


def test_resent_batch_adds_nothing(client: TestClient) -> None:
    run = create_run(client)["id"]
    worker = register(client)
    claim(client, worker)
    batch = [metrics_event(1, range(1, 6)), {"seq": 2, "type": "log", "level": "info", "message": "epoch 1"}]
    assert ingest(client, run, worker, batch) == {"accepted": 2, "duplicates": 0, "last_seq": 2}
    assert ingest(client, run, worker, batch) == {"accepted": 0, "duplicates": 2, "last_seq": 2}
    overlapping = [batch[1], metrics_event(3, range(6, 9))]
    assert ingest(client, run, worker, overlapping) == {"accepted": 1, "duplicates": 1, "last_seq": 3}
    loss = client.get(f"/api/runs/{run}/metrics").json()["series"]["loss"]
    assert loss["steps"] == list(range(1, 9))
    assert [line["message"] for line in client.get(f"/api/runs/{run}/logs").json()["data"]] == ["epoch 1"]


def test_ingest_updates_progress_summary_info_and_best_accuracy(client: TestClient) -> None:
    run = create_run(client)["id"]
    worker = register(client)
    claim(client, worker)
    progress = {"epoch": 2, "epochs": 4, "step": 20, "total_steps": 40, "images_per_s": 1000.5, "eta_s": 3.0,
                "phase": "evaluating on 10 test images"}
    events = [
        {"seq": 1, "type": "start", "info": {"device": "cpu", "classes": ["a", "b"], "parameters": 62006}},
        {
            "seq": 2,
            "type": "metrics",
            "points": [
                {"name": "test_acc", "step": 1, "value": 0.4},
                {"name": "test_acc", "step": 2, "value": 0.55},
                {"name": "loss", "step": 3, "value": None},
            ],
        },
        {"seq": 3, "type": "progress", **progress},
        {"seq": 4, "type": "summary", "summary": {"test_accuracy": 0.55, "train_accuracy": 0.6}},
    ]
    ingest(client, run, worker, events)
    ingest(
        client, run, worker, [{"seq": 5, "type": "metrics", "points": [{"name": "test_acc", "step": 3, "value": 0.5}]}]
    )
    body = client.get(f"/api/runs/{run}").json()
    assert body["progress"] == progress
    assert body["summary"] == {"test_accuracy": 0.55, "train_accuracy": 0.6}
    assert body["info"]["classes"] == ["a", "b"] and body["best_test_acc"] == 0.55
    assert client.get(f"/api/runs/{run}/metrics", params={"names": "loss"}).json()["series"]["loss"]["values"] == [None]


def test_nan_and_infinity_from_a_worker_are_stored_as_null(client: TestClient) -> None:
    run = create_run(client)["id"]
    worker = register(client)
    claim(client, worker)
    raw = (
        f'{{"worker_id": {worker}, "events": [{{"seq": 1, "type": "metrics", "points": '
        '[{"name": "lrf_loss", "step": 1, "value": NaN}, {"name": "lrf_loss", "step": 2, "value": Infinity}]}]}'
    )
    response = client.post(f"/api/runs/{run}/ingest", content=raw, headers=lease_headers(run, worker))
    assert response.status_code == 200
    assert client.get(f"/api/runs/{run}/metrics").json()["series"]["lrf_loss"]["values"] == [None, None]


def test_points_of_a_batch_go_in_with_one_statement(
    client: TestClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One executemany INSERT on SQLite; one COPY on PostgreSQL (on the driver's cursor, so counted there).
    run = create_run(client)["id"]
    worker = register(client)
    claim(client, worker)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _executemany: bool) -> None:
        if statement.startswith("INSERT INTO metric_point"):
            statements.append(statement)

    if app.state.engine.dialect.name == "postgresql":
        import psycopg

        copy = psycopg.Cursor.copy

        def record_copy(cursor: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
            statements.append(str(statement))
            return copy(cursor, statement, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "copy", record_copy)
    event.listen(app.state.engine, "before_cursor_execute", record)
    try:
        ingest(client, run, worker, [metrics_event(1, range(1, 1001)), metrics_event(2, range(1001, 2001))])
    finally:
        event.remove(app.state.engine, "before_cursor_execute", record)
    assert len(statements) == 1, statements
    assert client.get(f"/api/runs/{run}/metrics").json()["series"]["loss"]["total"] == 2000


def test_other_worker_cannot_report_for_a_run(client: TestClient) -> None:
    run = create_run(client)["id"]
    holder, other = register(client, "holder"), register(client, "other")
    claim(client, holder)
    response = client.post(
        f"/api/runs/{run}/ingest", json={"worker_id": other, "events": [metrics_event(1, range(1, 3))]}
    )
    assert response.status_code == 409
    assert client.post(f"/api/workers/{other}/heartbeat", json={"run_id": run}).status_code == 409
    assert client.post(f"/api/runs/{run}/finish", json={"worker_id": other, "status": "succeeded"}).status_code == 409
    assert client.get(f"/api/runs/{run}/metrics").json()["series"] == {}


def test_heartbeat_tells_the_worker_its_run_was_cancelled(client: TestClient) -> None:
    run = create_run(client)["id"]
    worker = register(client)
    claim(client, worker)
    assert client.post(f"/api/workers/{worker}/heartbeat", json={"run_id": run}, headers=lease_headers(run, worker)).json() == {"cancel": False}
    assert client.post(f"/api/runs/{run}/cancel").json()["status"] == "cancelled"
    assert client.post(f"/api/workers/{worker}/heartbeat", json={"run_id": run}, headers=lease_headers(run, worker)).json() == {"cancel": True}
    late = client.post(f"/api/runs/{run}/ingest", json={"worker_id": worker, "events": [metrics_event(1, range(1, 3))]},
                       headers=lease_headers(run, worker))
    assert late.status_code == 409
    assert finish(client, run, worker, "cancelled")["status"] == "cancelled"


def test_finish_failed_records_error_and_log(client: TestClient) -> None:
    run = create_run(client)["id"]
    worker = register(client)
    claim(client, worker)
    done = finish(client, run, worker, "failed", error="CUDA out of memory", log="Traceback ...\nRuntimeError")
    assert done["status"] == "failed" and done["error"] == "CUDA out of memory" and done["finished_at"]
    logs = client.get(f"/api/runs/{run}/logs").json()["data"]
    assert logs[-1]["level"] == "error" and "RuntimeError" in logs[-1]["message"]
    again = {"worker_id": worker, "status": "succeeded"}
    assert client.post(f"/api/runs/{run}/finish", json=again, headers=lease_headers(run, worker)).status_code == 409


def test_requeue_hands_the_run_back_and_resumes_from_checkpoint(client: TestClient) -> None:
    run = create_run(client, epochs=3)["id"]
    first, second = register(client, "first"), register(client, "second")
    claim(client, first)
    epoch_points = {
        "seq": 2,
        "type": "metrics",
        "points": [{"name": "test_acc", "step": e, "value": 0.1 * e} for e in (1, 2)],
    }
    ingest(client, run, first, [metrics_event(1, range(1, 21)), epoch_points])
    checkpoint = upload(client, run, first, "checkpoint", content=checkpoint_bytes("weights"), epoch=1, step=10)
    assert checkpoint.status_code == 200
    assert finish(client, run, first, "requeue")["status"] == "queued"
    claimed = claim(client, second)
    assert claimed is not None
    assert claimed["attempt"] == 2 and claimed["resume"] == {"epoch": 1, "step": 10} and claimed["next_seq"] == 3
    series = client.get(f"/api/runs/{run}/metrics").json()["series"]
    assert series["loss"]["steps"] == list(range(1, 11)) and series["test_acc"]["steps"] == [1]
    assert client.get(f"/api/runs/{run}").json()["best_test_acc"] == pytest.approx(0.1)
    assert client.get(f"/api/runs/{run}/checkpoint").content == checkpoint_bytes("weights")
    # The first worker is out: its late reports are refused.
    late = client.post(
        f"/api/runs/{run}/ingest", json={"worker_id": first, "events": [metrics_event(3, range(21, 23))]}
    )
    assert late.status_code == 409


def test_lease_expiry_puts_the_run_back_in_the_queue(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, lease_s=0.3, lease_check_s=0.05)
    with TestClient(create_app(settings), headers=JSON) as client:
        run = create_run(client)["id"]
        silent = register(client, "silent")
        claim(client, silent)
        ingest(client, run, silent, [metrics_event(1, range(1, 6))])
        wait_until(lambda: client.get(f"/api/runs/{run}").json()["status"] == "queued", "the lease to expire")
        body = client.get(f"/api/runs/{run}").json()
        assert body["status"] == "queued" and body["worker"] is None and body["attempt"] == 1
        assert client.get(f"/api/runs/{run}/metrics").json()["series"]["loss"]["total"] == 5  # history kept
        assert client.post(f"/api/workers/{silent}/heartbeat", json={"run_id": run}, headers=lease_headers(run, silent)).status_code == 409
        claimed = claim(client, register(client, "next"))
        assert claimed is not None and claimed["id"] == run and claimed["attempt"] == 2 and claimed["resume"] is None
        assert any("no heartbeat" in line["message"] for line in client.get(f"/api/runs/{run}/logs").json()["data"])


def test_heartbeats_keep_the_lease(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, lease_s=0.4, lease_check_s=0.05)
    with TestClient(create_app(settings), headers=JSON) as client:
        run = create_run(client)["id"]
        worker = register(client)
        claim(client, worker)
        for _ in range(12):  # 1.2 s, three leases long
            assert client.post(f"/api/workers/{worker}/heartbeat", json={"run_id": run}, headers=lease_headers(run, worker)).json() == {"cancel": False}
            time.sleep(0.1)
        assert client.get(f"/api/runs/{run}").json()["status"] == "running"


def test_artifact_upload_rules(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, max_artifact_bytes=1000)
    with TestClient(create_app(settings), headers=JSON) as client:
        run = create_run(client)["id"]
        worker = register(client)
        claim(client, worker)
        url = f"/api/runs/{run}/artifacts"
        confusion = {"classes": ["a", "b"], "matrix": [[3, 1], [0, 4]], "split": "test"}
        assert upload(client, run, worker, "confusion", json=confusion).json() == {
            "name": "confusion",
            "size": len(b'{"classes":["a","b"],"matrix":[[3,1],[0,4]],"split":"test"}'),
        }
        assert client.get(f"/api/runs/{run}/confusion").json() == confusion
        assert upload(client, run, worker, "confusion", content=b"x" * 2000).status_code == 413
        assert upload(client, run, worker, "weights", json={}).status_code == 422
        assert upload(client, run, worker, "per_class", content=b"[1, 2]").status_code == 422
        assert upload(client, run, worker, "per_class", content=b"{nope").status_code == 422
        assert upload(client, run, worker, "checkpoint", content=b"w").status_code == 422
        assert upload(client, run, worker + 1, "confusion", json=confusion).status_code == 409
        listed = client.get(url).json()
        assert [a["name"] for a in listed["data"]] == ["confusion"]


def test_token_guards_the_api_but_not_health(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, token="s3cret")), headers=JSON) as client:
        assert client.get("/api/health").status_code == 200
        denied = client.get("/api/runs")
        assert denied.status_code == 401 and denied.headers["www-authenticate"] == "Bearer"
        assert client.post("/api/workers/register", json={"name": "w", "device": "cpu"}).status_code == 401
        assert client.get("/api/runs", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/api/runs", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert client.get("/api/runs", params={"token": "s3cret"}).status_code == 401  # the token is never taken from a URL


def test_workers_list_shows_alive_workers_and_their_runs(client: TestClient) -> None:
    run = create_run(client)["id"]
    busy, idle = register(client, "busy"), register(client, "idle")
    claim(client, busy)
    workers = {w["name"]: w for w in client.get("/api/workers").json()["data"]}
    assert workers["busy"]["run_id"] == run and workers["idle"]["run_id"] is None
    assert workers["busy"]["alive"] and workers["idle"]["alive"]
    assert idle == workers["idle"]["id"]


def test_the_workers_list_shows_the_latest_load_of_the_run_each_worker_holds(client: TestClient) -> None:
    run = create_run(client)["id"]
    busy = register(client, "busy")
    register(client, "idle")
    claim(client, busy)
    samples = [{"name": f"system/{name}", "step": step, "value": value}
               for step, cpu in ((10, 95.0), (60, 101.5)) for name, value in (("cpu_percent", cpu), ("rss_mb", step * 2.0))]
    ingest(client, run, busy, [{"seq": 1, "type": "metrics", "points": samples + [
        {"name": "loss", "step": 60, "value": 1.0}, {"name": "system/cpu_percent", "step": 61, "value": None},
    ]}])
    workers = {w["name"]: w for w in client.get("/api/workers").json()["data"]}
    # The newest finite sample of each system series, no other series; an idle worker: {}.
    assert workers["busy"]["run_id"] == run
    assert workers["busy"]["load"] == {"system/cpu_percent": 101.5, "system/rss_mb": 120.0}
    assert workers["idle"]["run_id"] is None and workers["idle"]["load"] == {}
