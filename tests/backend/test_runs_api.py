"""Runs over the REST API: create, list, get, cancel, clone, delete, and the errors around them."""

from __future__ import annotations

from pathlib import Path

import pytest
from backend_api import (
    JSON,
    checkpoint_bytes,
    claim,
    create_run,
    ingest,
    lease_headers,
    metrics_event,
    register,
    upload,
)
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from trainboard.trainer.presets import PRESETS


def test_create_from_preset_with_overrides_queues_the_run(client: TestClient) -> None:
    run = create_run(client, preset="origin-2ep", epochs=1)
    assert run["status"] == "queued" and run["kind"] == "train" and run["preset"] == "origin-2ep"
    assert run["config"]["dataset"] == "synthetic"  # the override won
    assert run["config"]["batch_size"] == 4 and run["config"]["model"] == "tutorial_cnn"  # from the preset
    assert run["attempt"] == 0 and run["worker"] is None and run["progress"] is None
    assert run["created_at"].endswith("Z")
    assert client.get(f"/api/runs/{run['id']}").json() == run


def test_lr_find_kind_starts_an_lr_range_test(client: TestClient) -> None:
    run = create_run(client, kind="lr_find", num_iter=20, end_lr=1.0)
    assert run["kind"] == "lr_find"
    assert run["config"]["num_iter"] == 20 and run["name"].startswith("LR finder")


def test_unknown_preset_is_422_naming_preset_and_listing_valid_ones(client: TestClient) -> None:
    response = client.post("/api/runs", json={"preset": "nope", "epochs": 1})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "preset"]
    assert all(name in error["msg"] for name in PRESETS)
    assert client.get("/api/runs").json()["count"] == 0


def test_bad_fields_are_422_naming_each_field_and_nothing_is_stored(client: TestClient) -> None:
    response = client.post("/api/runs", json={"epochs": 0, "lr": -1, "colour": "red", "dataset": "synthetic"})
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert locs == {("body", "epochs"), ("body", "lr"), ("body", "colour")}
    too_big = client.post("/api/runs", json={"dataset": "synthetic", "batch_size": 5000})
    assert too_big.status_code == 422 and "batch_size" in too_big.json()["detail"][0]["msg"]
    assert client.post("/api/runs", json=[1, 2]).status_code == 422
    assert client.post("/api/runs", json={"preset": 5}).json()["detail"][0]["loc"] == ["body", "preset"]
    assert client.get("/api/runs").json()["count"] == 0


def test_list_is_newest_first_filtered_and_paginated(client: TestClient) -> None:
    ids = [create_run(client)["id"] for _ in range(5)]
    lr_find = create_run(client, kind="lr_find")
    client.post(f"/api/runs/{ids[0]}/cancel")
    page = client.get("/api/runs", params={"limit": 2, "offset": 1}).json()
    assert page["count"] == 6 and [r["id"] for r in page["data"]] == [ids[4], ids[3]]
    assert [r["id"] for r in client.get("/api/runs", params={"kind": "lr_find"}).json()["data"]] == [lr_find["id"]]
    cancelled = client.get("/api/runs", params={"status": "cancelled"}).json()
    assert cancelled["count"] == 1 and cancelled["data"][0]["id"] == ids[0]
    assert client.get("/api/runs", params={"status": "bogus"}).status_code == 422


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/api/runs/123"),
        ("POST", "/api/runs/123/cancel"),
        ("POST", "/api/runs/123/clone"),
        ("DELETE", "/api/runs/123"),
        ("GET", "/api/runs/123/metrics"),
        ("GET", "/api/runs/123/events"),
        ("GET", "/api/runs/123/logs"),
        ("GET", "/api/runs/123/confusion"),
        ("GET", "/api/runs/123/checkpoint"),
        ("GET", "/api/runs/123/artifacts"),
    ],
)
def test_unknown_run_is_404_with_a_message(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 404
    assert response.json() == {"detail": "run 123 not found"}


def test_missing_artifact_of_existing_run_is_404(client: TestClient) -> None:
    run = create_run(client)
    response = client.get(f"/api/runs/{run['id']}/feature-maps")
    assert response.status_code == 404 and "feature_maps" in response.json()["detail"]


def test_cancel_queued_run_ends_it_and_cancel_again_changes_nothing(client: TestClient) -> None:
    run = create_run(client)
    cancelled = client.post(f"/api/runs/{run['id']}/cancel").json()
    assert cancelled["status"] == "cancelled" and cancelled["finished_at"] is not None
    assert client.post(f"/api/runs/{run['id']}/cancel").json() == cancelled
    worker = register(client)
    assert claim(client, worker) is None  # a cancelled run is never handed out


def test_cancel_of_finished_run_is_409(client: TestClient) -> None:
    run = create_run(client)
    worker = register(client)
    claim(client, worker)
    client.post(f"/api/runs/{run['id']}/finish", json={"worker_id": worker, "status": "succeeded"},
                headers=lease_headers(run["id"], worker))
    response = client.post(f"/api/runs/{run['id']}/cancel")
    assert response.status_code == 409 and "succeeded" in response.json()["detail"]


def test_clone_copies_config_with_overrides(client: TestClient) -> None:
    source = create_run(client, preset="origin-2ep", lr=0.001)
    clone = client.post(f"/api/runs/{source['id']}/clone", json={"lr": 0.01})
    assert clone.status_code == 201
    body = clone.json()
    assert body["id"] != source["id"] and body["status"] == "queued" and body["preset"] == "origin-2ep"
    assert body["config"] == {**source["config"], "lr": 0.01}
    plain = client.post(f"/api/runs/{source['id']}/clone").json()
    assert plain["config"] == source["config"]


def test_clone_of_lr_finder_into_training_run_drops_finder_fields(client: TestClient) -> None:
    finder = create_run(client, kind="lr_find", num_iter=30)
    train = client.post(f"/api/runs/{finder['id']}/clone", json={"kind": "train", "lr": 0.005}).json()
    assert train["kind"] == "train" and train["config"]["lr"] == 0.005
    assert "num_iter" not in train["config"] and "start_lr" not in train["config"]


def test_clone_with_bad_override_is_422_and_stores_nothing(client: TestClient) -> None:
    source = create_run(client)
    response = client.post(f"/api/runs/{source['id']}/clone", json={"epochs": -3})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "epochs"]
    assert client.get("/api/runs").json()["count"] == 1


def test_delete_cancels_a_running_run_and_removes_its_files(client: TestClient, tmp_path: Path) -> None:
    run = create_run(client)
    worker = register(client)
    claim(client, worker)
    ingest(client, run["id"], worker, [metrics_event(1, range(1, 11))])
    stored = upload(client, run["id"], worker, "checkpoint", content=checkpoint_bytes(), epoch=1, step=10)
    assert stored.status_code == 200
    folder = tmp_path / "artifacts" / f"run-{run['id']}"
    assert (folder / "checkpoint.pt").is_file()
    assert client.delete(f"/api/runs/{run['id']}").status_code == 204
    assert client.get(f"/api/runs/{run['id']}").status_code == 404
    assert not folder.exists()
    # Its worker learns at the next heartbeat that it no longer holds the run.
    assert client.post(f"/api/workers/{worker}/heartbeat", json={"run_id": run["id"]}, headers=lease_headers(run["id"], worker)).status_code == 409


def test_unexpected_errors_answer_500_without_a_traceback(app: FastAPI) -> None:
    with TestClient(app, raise_server_exceptions=False, headers=JSON) as client:
        create_run(client)
        with app.state.engine.begin() as connection:
            connection.execute(text("DROP TABLE metric_point"))
        response = client.get("/api/runs/1/metrics")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error; see the server log"}
    assert "Traceback" not in response.text and "metric_point" not in response.text


def test_the_api_schema_lists_exactly_the_run_statuses() -> None:
    from typing import get_args

    from trainboard.backend.field_types import RunStatus
    from trainboard.common.statuses import RUN_STATUSES

    assert get_args(RunStatus) == RUN_STATUSES
