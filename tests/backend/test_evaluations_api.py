"""Every evaluation kept: uploads per epoch, the listing, ?epoch= reads (latest by default), errors, old runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend_api import JSON, claim, create_run, register, upload
from backend_fixtures import make_settings
from fastapi.testclient import TestClient

from tests.polling import wait_until
from trainboard.backend.app import create_app

CLASSES = ["cat", "dog"]


def _evaluation(epoch: int, step: int, matrix: list[list[int]]) -> dict[str, Any]:
    per_class = [row[i] / sum(row) for i, row in enumerate(matrix)]
    maps = {"index": 0, "label": "cat", "input": {"shape": [1, 2, 2], "data": "AAECAw=="},
            "layers": {"conv1": {"full_shape": [4, 2, 2], "shape": [1, 2, 2], "lo": [0.0], "hi": [1.0],
                                 "data": "AAECAw=="}}}
    return {"epoch": epoch, "step": step, "split": "test", "classes": CLASSES, "matrix": matrix,
            "per_class": per_class, "accuracy": (matrix[0][0] + matrix[1][1]) / sum(map(sum, matrix)),
            "feature_maps": maps}


def _mistakes(epoch: int, step: int, index: int) -> dict[str, Any]:
    image = {"index": index, "thumbnail": {"shape": [1, 1, 1], "data": "AA=="},
             "top": [{"class": 1, "p": 0.7}, {"class": 0, "p": 0.3}], "layers": {}}
    return {"epoch": epoch, "step": step, "classes": CLASSES, "per_cell": 3,
            "cells": [{"true": 0, "predicted": 1, "count": 1, "images": [image]}]}


def _running(client: TestClient) -> tuple[int, int]:
    run = create_run(client)["id"]
    worker = register(client)
    claim(client, worker)
    return run, worker


def test_each_evaluation_is_kept_and_served_by_epoch_latest_by_default(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path)), headers=JSON) as client:
        run, worker = _running(client)
        first, second = _evaluation(1, 10, [[3, 1], [2, 2]]), _evaluation(2, 20, [[4, 0], [1, 3]])
        for payload in (first, second):
            assert upload(client, run, worker, "evaluation", json=payload).status_code == 200
        assert upload(client, run, worker, "mistakes", json=_mistakes(1, 10, 5)).status_code == 200
        assert upload(client, run, worker, "mistakes", json=_mistakes(2, 20, 7)).status_code == 200

        listed = client.get(f"/api/runs/{run}/evaluations").json()
        assert listed["count"] == 2 and listed["classes"] == CLASSES
        assert [(e["epoch"], e["step"], e["per_class"], e["accuracy"]) for e in listed["data"]] == [
            (1, 10, [0.75, 0.5], 0.625), (2, 20, [1.0, 0.75], 0.875)]
        assert all(e["size"] > 0 and e["mistakes_size"] > 0 for e in listed["data"])

        assert client.get(f"/api/runs/{run}/evaluation").json() == second
        assert client.get(f"/api/runs/{run}/evaluation", params={"epoch": 1}).json() == first
        assert client.get(f"/api/runs/{run}/mistakes", params={"epoch": 1}).json()["cells"][0]["images"][0]["index"] == 5
        assert client.get(f"/api/runs/{run}/mistakes").json()["epoch"] == 2
        assert client.get(f"/api/runs/{run}/confusion", params={"epoch": 1}).json() == {
            "classes": CLASSES, "matrix": [[3, 1], [2, 2]], "epoch": 1, "step": 10, "split": "test"}
        assert client.get(f"/api/runs/{run}/confusion").json()["matrix"] == [[4, 0], [1, 3]]
        assert client.get(f"/api/runs/{run}/per-class", params={"epoch": 2}).json()["accuracy"] == [1.0, 0.75]
        maps = client.get(f"/api/runs/{run}/feature-maps", params={"epoch": 1}).json()
        assert maps["epoch"] == 1 and maps["layers"]["conv1"]["shape"] == [1, 2, 2]


def test_the_same_epoch_again_replaces_only_that_evaluation(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path)), headers=JSON) as client:
        run, worker = _running(client)
        upload(client, run, worker, "evaluation", json=_evaluation(1, 10, [[3, 1], [2, 2]]))
        upload(client, run, worker, "evaluation", json=_evaluation(2, 20, [[4, 0], [1, 3]]))
        again = _evaluation(1, 12, [[2, 2], [2, 2]])
        upload(client, run, worker, "evaluation", json=again)
        listed = client.get(f"/api/runs/{run}/evaluations").json()
        assert [(e["epoch"], e["step"]) for e in listed["data"]] == [(1, 12), (2, 20)]
        assert client.get(f"/api/runs/{run}/evaluation", params={"epoch": 1}).json() == again


def test_bad_epochs_and_uploads_get_clear_errors(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path)), headers=JSON) as client:
        run, worker = _running(client)
        missing = client.get(f"/api/runs/{run}/evaluation")
        assert missing.status_code == 404 and "has no kept evaluation" in missing.json()["detail"]
        upload(client, run, worker, "evaluation", json=_evaluation(1, 10, [[3, 1], [2, 2]]))
        upload(client, run, worker, "evaluation", json=_evaluation(3, 30, [[3, 1], [2, 2]]))
        absent = client.get(f"/api/runs/{run}/evaluation", params={"epoch": 2})
        assert absent.status_code == 404
        assert absent.json()["detail"] == f"run {run} has no evaluation at epoch 2; its evaluations are at epochs 1, 3"
        assert client.get(f"/api/runs/{run}/confusion", params={"epoch": 2}).status_code == 404
        for bad in ("0", "-1", "two"):
            answer = client.get(f"/api/runs/{run}/evaluation", params={"epoch": bad})
            assert answer.status_code == 422 and "epoch" in str(answer.json()["detail"][0]["loc"])
        assert client.get(f"/api/runs/{run}/mistakes", params={"epoch": 0}).status_code == 422
        no_epoch = upload(client, run, worker, "evaluation", json={"step": 3, "matrix": []})
        assert no_epoch.status_code == 422 and "epoch" in no_epoch.text
        assert upload(client, run, worker + 1, "evaluation", json=_evaluation(4, 40, [[1, 0], [0, 1]])).status_code == 409
        assert client.get("/api/runs/999/evaluations").status_code == 404
        assert client.get(f"/api/runs/{run}/evaluations").json()["count"] == 2


def test_a_run_from_before_keeps_showing_its_single_artifacts(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path)), headers=JSON) as client:
        run, worker = _running(client)
        confusion = {"classes": CLASSES, "matrix": [[3, 1], [0, 4]], "split": "test"}
        old_maps = {"epoch": 2, "label": "cat", "input": [[[0.0]]], "layers": {"conv1": {"shape": [1, 1, 1], "maps": [[[0.5]]]}}}
        upload(client, run, worker, "confusion", json=confusion)
        upload(client, run, worker, "feature_maps", json=old_maps)
        assert client.get(f"/api/runs/{run}/confusion").json() == confusion
        assert client.get(f"/api/runs/{run}/feature-maps").json() == old_maps
        assert client.get(f"/api/runs/{run}/evaluations").json() == {"data": [], "count": 0, "classes": []}


def test_a_rewind_forgets_evaluations_after_the_checkpoint(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, lease_s=0.3, lease_check_s=0.05)
    with TestClient(create_app(settings), headers=JSON) as client:
        run, worker = _running(client)
        for epoch in (1, 2):
            upload(client, run, worker, "evaluation", json=_evaluation(epoch, 10 * epoch, [[3, 1], [2, 2]]))
        wait_until(lambda: client.get(f"/api/runs/{run}").json()["status"] == "queued", "the lease to expire")
        assert claim(client, register(client, "next"))["resume"] is None
        assert client.get(f"/api/runs/{run}/evaluations").json()["count"] == 0
