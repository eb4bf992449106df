"""A script's own run (kind external): created running and held by the script, reported with the worker
protocol, never queued or cloned, and `crashed` once the script is silent for a lease."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col

from trainboard.backend.services import crashes
from trainboard.backend.services.leases import expire_leases_once
from trainboard.backend.tables import Run, utcnow


def start(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/runs/external", json={"name": "my script", "config": {"lr": 0.1}, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def holder_headers(started: dict[str, Any]) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Lease-Token": started["lease_token"]}


def ingest(client: TestClient, started: dict[str, Any], events: list[dict[str, Any]]) -> Any:
    body = {"worker_id": started["worker_id"], "events": events}
    return client.post(f"/api/runs/{started['run_id']}/ingest", json=body, headers=holder_headers(started))


def test_a_script_run_is_created_running_with_its_free_form_config_and_tags(client: TestClient) -> None:
    started = start(client, config={"lr": 0.1, "net": {"depth": 18}}, tags=["b", "a", "b"], host="box", pid=42)
    run = client.get(f"/api/runs/{started['run_id']}").json()
    assert (run["kind"], run["status"], run["name"]) == ("external", "running", "my script")
    assert run["config"] == {"lr": 0.1, "net": {"depth": 18}}
    assert run["tags"] == ["a", "b"]
    assert run["worker"] == "script on box (pid 42)"
    assert started["next_seq"] == 1 and started["lease_token"]
    listed = client.get("/api/runs", params={"kind": "external"}).json()
    assert [r["id"] for r in listed["data"]] == [started["run_id"]]


def test_a_bad_script_run_body_is_refused_naming_the_field(client: TestClient) -> None:
    response = client.post("/api/runs/external", json={"config": "not an object"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "config"


def test_the_script_reports_any_metric_name_with_its_lease_and_finishes(client: TestClient) -> None:
    started = start(client)
    points = [{"name": "train/loss", "step": 1, "value": 0.5}, {"name": "test/acc", "step": 1, "value": 0.25}]
    answer = ingest(client, started, [{"seq": 1, "type": "metrics", "points": points}])
    assert answer.status_code == 200, answer.text
    again = ingest(client, started, [{"seq": 1, "type": "metrics", "points": points}])
    assert again.json()["duplicates"] == 1  # a re-sent batch adds nothing
    series = client.get(f"/api/runs/{started['run_id']}/metrics").json()["series"]
    assert series["train/loss"]["values"] == [0.5] and series["test/acc"]["values"] == [0.25]
    wrong = {**started, "lease_token": "guess"}
    assert ingest(client, wrong, [{"seq": 2, "type": "log", "message": "x"}]).status_code == 409
    finish = client.post(f"/api/runs/{started['run_id']}/finish", headers=holder_headers(started),
                         json={"worker_id": started["worker_id"], "status": "succeeded"})
    assert finish.status_code == 200 and finish.json()["status"] == "succeeded"


def test_a_script_run_cannot_be_cloned(client: TestClient) -> None:
    started = start(client)
    response = client.post(f"/api/runs/{started['run_id']}/clone", json={})
    assert response.status_code == 409
    assert "script" in response.json()["detail"]


def _silence(app: FastAPI, run_id: int, seconds: float) -> None:
    with Session(app.state.engine) as session:
        session.exec(update(Run).where(col(Run.id) == run_id).values(heartbeat_at=utcnow() - timedelta(seconds=seconds)))
        session.commit()


def test_a_silent_script_run_becomes_crashed_not_queued_and_a_worker_run_is_requeued(
    app: FastAPI, client: TestClient, monkeypatch: Any
) -> None:
    monkeypatch.setattr(crashes, "server_uptime_s", lambda: 3600.0)
    started = start(client)
    lease_s = app.state.settings.lease_s
    _silence(app, started["run_id"], lease_s + 5)
    expired = expire_leases_once(app.state.engine, app.state.broker, lease_s, max_attempts=5)
    assert expired == [started["run_id"]]
    run = client.get(f"/api/runs/{started['run_id']}").json()
    assert run["status"] == "crashed" and run["finished_at"] is not None
    assert "no heartbeat from its script" in run["error"]
    assert client.get("/api/runs", params={"status": "crashed"}).json()["count"] == 1
    logs = [line["message"] for line in client.get(f"/api/runs/{started['run_id']}/logs").json()["data"]]
    assert any("no heartbeat" in line for line in logs)
    assert ingest(client, started, [{"seq": 1, "type": "log", "message": "late"}]).status_code == 409


def test_silence_while_the_server_was_down_does_not_crash_a_script_run(
    app: FastAPI, client: TestClient, monkeypatch: Any
) -> None:
    lease_s = app.state.settings.lease_s
    monkeypatch.setattr(crashes, "server_uptime_s", lambda: lease_s / 2)  # just restarted
    started = start(client)
    _silence(app, started["run_id"], lease_s + 5)
    assert expire_leases_once(app.state.engine, app.state.broker, lease_s, max_attempts=5) == []
    assert client.get(f"/api/runs/{started['run_id']}").json()["status"] == "running"


def test_a_config_event_adds_to_a_script_runs_config_and_is_refused_for_a_worker_run(client: TestClient) -> None:
    started = start(client, config={"lr": 0.1})
    answer = ingest(client, started, [{"seq": 1, "type": "config", "config": {"hidden": 8, "lr": 0.05}}])
    assert answer.status_code == 200, answer.text
    assert client.get(f"/api/runs/{started['run_id']}").json()["config"] == {"lr": 0.05, "hidden": 8}

    from backend_api import claim, create_run, lease_headers, register

    queued = create_run(client)
    worker_id = register(client)
    assert claim(client, worker_id)["id"] == queued["id"]
    body = {"worker_id": worker_id, "events": [{"seq": 1, "type": "config", "config": {"lr": 9}}]}
    refused = client.post(f"/api/runs/{queued['id']}/ingest", json=body, headers=lease_headers(queued["id"], worker_id))
    assert refused.status_code == 409 and "config is the one it was launched with" in refused.json()["detail"]
    assert client.get(f"/api/runs/{queued['id']}").json()["config"]["lr"] != 9


def test_a_scripts_holder_is_neither_listed_as_a_worker_nor_counted_as_one_that_can_run_a_queued_run(
    client: TestClient,
) -> None:
    started = start(client)
    beat = client.post(f"/api/workers/{started['worker_id']}/heartbeat", json={"run_id": started["run_id"]},
                       headers=holder_headers(started))
    assert beat.status_code == 200 and beat.json() == {"cancel": False}
    assert client.get("/api/workers").json()["count"] == 0
    queued = client.post("/api/runs", json={"dataset": "synthetic", "epochs": 1}).json()
    assert queued["waiting"] and "no live worker" in queued["waiting"]  # the script cannot take it
