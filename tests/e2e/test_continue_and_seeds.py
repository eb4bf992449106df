"""End to end: a run continued from a finished run's checkpoint, and a seed group, on a real worker."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.cluster import TINY_RUN, Api, Cluster

pytestmark = pytest.mark.e2e


def test_a_continued_run_starts_at_the_parents_last_step_with_its_weights(cluster: Cluster) -> None:
    server = cluster.server()
    api = Api(server.url)
    worker = cluster.worker(server, "w1")
    parent = api.create({**TINY_RUN, "epochs": 2})
    done = api.wait_status(parent["id"], {"succeeded", "failed"}, 180)
    assert done["status"] == "succeeded", f"{done['error']}\n{worker.log()}"

    response = httpx.post(f"{server.url}/api/runs/{parent['id']}/continue", json={"epochs": 3, "lr": 0.005}, timeout=10)
    assert response.status_code == 201, response.text
    child = api.wait_status(response.json()["id"], {"succeeded", "failed"}, 180)
    assert child["status"] == "succeeded", f"{child['error']}\n{worker.log()}"

    parent_steps, parent_losses = api.series(parent["id"], "loss")
    child_steps, child_losses = api.series(child["id"], "loss")
    assert child_steps[0] == parent_steps[-1] + 1 and child_steps[-1] == parent_steps[-1] + 1024 // 16
    # The parent's trained weights: the first loss is about where the parent ended, far below an untrained net's.
    parent_end = sum(parent_losses[-8:]) / 8
    first_loss, untrained_loss = child_losses[0], parent_losses[0]
    assert abs(first_loss - parent_end) < abs(first_loss - untrained_loss)
    assert api.series(child["id"], "test_acc")[0] == [3]
    assert api.series(child["id"], "lr")[1][0] == 0.005
    assert child["summary"]["test_accuracy"] >= 0.5  # it keeps what the parent learnt (chance is 0.1)
    logs = api.get(f"/api/runs/{child['id']}/logs")["data"]
    assert any("continuing a checkpoint after epoch 2" in line["message"] for line in logs)

    refused = httpx.post(f"{server.url}/api/runs/{parent['id']}/continue", json={"model": "resnet9"}, timeout=10)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "model"]


def test_a_seed_group_trains_each_seed_with_its_own_losses(cluster: Cluster) -> None:
    server = cluster.server()
    api = Api(server.url)
    worker = cluster.worker(server, "w1")
    body = {**TINY_RUN, "epochs": 1, "train_limit": 256, "seed": 1, "seeds": 2}
    response = httpx.post(f"{server.url}/api/groups", json=body, timeout=10)
    assert response.status_code == 201, response.text
    runs = [api.wait_status(r["id"], {"succeeded", "failed"}, 180) for r in response.json()["data"]]
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"], worker.log()
    first, second = (api.series(r["id"], "loss")[1] for r in runs)
    assert len(first) == len(second) == 256 // 16 and first != second  # other seeds: other weights and batches
