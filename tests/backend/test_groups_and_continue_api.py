"""Seed groups (POST /api/groups) and continuing a run (POST /api/runs/{id}/continue): API rules and claims."""

from __future__ import annotations

import pytest
from backend_api import JSON, checkpoint_bytes, claim, create_run, finish, register, upload
from fastapi.testclient import TestClient


def test_a_seed_group_is_n_runs_with_consecutive_seeds_sharing_the_first_runs_id(client: TestClient) -> None:
    response = client.post("/api/groups", json={"preset": "fast", "dataset": "synthetic", "seed": 5, "seeds": 3})
    assert response.status_code == 201, response.text
    runs = response.json()["data"]
    assert [r["config"]["seed"] for r in runs] == [5, 6, 7]
    assert {r["group_id"] for r in runs} == {runs[0]["id"]}
    assert [r["name"] for r in runs] == ["fast (seed 5)", "fast (seed 6)", "fast (seed 7)"]
    assert all(r["status"] == "queued" and r["preset"] == "fast" for r in runs)
    listed = client.get("/api/runs", params={"group": runs[0]["id"], "sort": "created_at"}).json()
    assert [r["id"] for r in listed["data"]] == [r["id"] for r in runs] and listed["count"] == 3
    assert client.get(f"/api/runs/{runs[1]['id']}").json()["group_id"] == runs[0]["id"]
    assert create_run(client)["group_id"] is None
    same_preset = client.get("/api/runs", params={"preset": "fast"}).json()
    assert same_preset["count"] == 3 and client.get("/api/runs", params={"preset": "fas"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"dataset": "synthetic"}, "seeds"),
        ({"dataset": "synthetic", "seeds": 1}, "seeds"),
        ({"dataset": "synthetic", "seeds": 33}, "seeds"),
        ({"dataset": "synthetic", "seeds": "3"}, "seeds"),
        ({"dataset": "synthetic", "seeds": 3, "lr": -1}, "lr"),
        ({"dataset": "synthetic", "seeds": 3, "seed": 2**31 - 2}, "seed"),
    ],
)
def test_a_bad_group_is_a_422_naming_the_field_and_stores_no_run(client: TestClient, body: dict, field: str) -> None:
    response = client.post("/api/groups", json=body)
    assert response.status_code == 422
    assert {error["loc"][1] for error in response.json()["detail"]} == {field}
    assert client.get("/api/runs").json()["count"] == 0


def _ended_run_with_checkpoint(client: TestClient, epoch: int = 2, step: int = 20, **fields: object) -> dict:
    run = create_run(client, epochs=2, lr=0.02, **fields)
    worker = register(client)
    assert claim(client, worker)["id"] == run["id"]
    stored = upload(client, run["id"], worker, "checkpoint", content=checkpoint_bytes(epoch=epoch, step=step),
                    epoch=epoch, step=step)
    assert stored.status_code == 200, stored.text
    finish(client, run["id"], worker)
    return run


def test_a_continued_run_names_its_parent_and_its_claim_starts_from_the_parents_checkpoint(
    client: TestClient,
) -> None:
    parent = _ended_run_with_checkpoint(client)
    response = client.post(f"/api/runs/{parent['id']}/continue", json={"epochs": 10, "lr": 0.002})
    assert response.status_code == 201, response.text
    child = response.json()
    assert child["parent_id"] == parent["id"] and child["status"] == "queued"
    assert child["config"]["epochs"] == 10 and child["config"]["lr"] == 0.002
    assert child["config"]["dataset"] == "synthetic" and child["name"] == f"{parent['name']} (continued)"
    children = client.get("/api/runs", params={"parent": parent["id"]}).json()["data"]
    assert [r["id"] for r in children] == [child["id"]]

    claimed = claim(client, register(client, "w2"))
    assert claimed["id"] == child["id"] and claimed["resume"] is None
    assert claimed["start_from"] == {"run_id": parent["id"], "epoch": 2, "step": 20}
    assert client.get(f"/api/runs/{parent['id']}/checkpoint").content == checkpoint_bytes(epoch=2, step=20)
    plain = create_run(client)
    assert claim(client, register(client, "w3"))["start_from"] is None and plain["parent_id"] is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"model": "resnet9"}, "model"),
        ({"dataset": "fashion-mnist"}, "dataset"),
        ({"batch_size": 8}, "batch_size"),
        ({"optimizer": "adam"}, "optimizer"),
        ({"epochs": 2}, "epochs"),
        ({"preset": "fast"}, "preset"),
        ({"lr": 0, "epochs": 5}, "lr"),
    ],
)
def test_changing_a_locked_field_or_too_few_epochs_is_a_422(client: TestClient, changes: dict, field: str) -> None:
    parent = _ended_run_with_checkpoint(client)
    response = client.post(f"/api/runs/{parent['id']}/continue", json=changes)
    assert response.status_code == 422, response.text
    assert {error["loc"][1] for error in response.json()["detail"]} == {field}
    assert client.get("/api/runs").json()["count"] == 1
    same_model = client.post(f"/api/runs/{parent['id']}/continue", json={"model": "tutorial_cnn", "epochs": 3})
    assert same_model.status_code == 201  # a locked field given its own value is no change


def test_only_an_ended_training_run_with_a_checkpoint_can_be_continued(client: TestClient) -> None:
    queued = create_run(client)
    assert client.post(f"/api/runs/{queued['id']}/continue", headers=JSON).status_code == 409
    worker = register(client)
    claim(client, worker)
    finish(client, queued["id"], worker)
    refused = client.post(f"/api/runs/{queued['id']}/continue", json={"epochs": 5})
    assert refused.status_code == 409 and refused.json() == {"detail": f"run {queued['id']} has no checkpoint to continue from"}
    finder = create_run(client, preset="resnet-lrfind")
    assert client.post(f"/api/runs/{finder['id']}/continue", headers=JSON).status_code == 409
    assert client.post("/api/runs/999/continue", headers=JSON).status_code == 404
