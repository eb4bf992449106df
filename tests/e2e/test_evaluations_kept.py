"""End to end: a real server and worker keep every evaluation of a run, with its mistakes gallery."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.e2e.cluster import TINY_RUN, Api, Cluster

pytestmark = pytest.mark.e2e


def test_a_two_epoch_run_keeps_both_evaluations_and_their_mistakes(cluster: Cluster) -> None:
    server = cluster.server()
    api = Api(server.url)
    worker = cluster.worker(server, "w1")
    run = api.create({**TINY_RUN, "train_limit": 256, "test_limit": 128, "log_every": 4})
    done = api.wait_status(run["id"], {"succeeded", "failed"}, 120)
    assert done["status"] == "succeeded", f"{done['error']}\n{worker.log()}"

    listed = api.get(f"/api/runs/{run['id']}/evaluations")
    steps_per_epoch = 256 // 16
    assert [(e["epoch"], e["step"]) for e in listed["data"]] == [(1, steps_per_epoch), (2, 2 * steps_per_epoch)]
    assert len(listed["classes"]) == 10 and all(len(e["per_class"]) == 10 for e in listed["data"])
    assert [e["accuracy"] for e in listed["data"]] == api.series(run["id"], "test_acc")[1]

    first, latest = (api.get(f"/api/runs/{run['id']}/evaluation", epoch=1), api.get(f"/api/runs/{run['id']}/evaluation"))
    assert first["epoch"] == 1 and latest["epoch"] == 2
    assert sum(map(sum, first["matrix"])) == sum(map(sum, latest["matrix"])) == 128
    assert latest["matrix"] == api.get(f"/api/runs/{run['id']}/confusion")["matrix"]
    assert api.get(f"/api/runs/{run['id']}/confusion", epoch=1)["matrix"] == first["matrix"]
    conv1 = first["feature_maps"]["layers"]["conv1"]
    assert len(base64.b64decode(conv1["data"])) <= 4096  # uint8, a few KB per layer

    for entry in listed["data"]:
        evaluation = api.get(f"/api/runs/{run['id']}/evaluation", epoch=entry["epoch"])
        mistakes = api.get(f"/api/runs/{run['id']}/mistakes", epoch=entry["epoch"])
        off_diagonal = sum(n for t, row in enumerate(evaluation["matrix"]) for p, n in enumerate(row) if t != p)
        assert sum(cell["count"] for cell in mistakes["cells"]) == off_diagonal
        assert all(image["top"][0]["class"] == cell["predicted"] for cell in mistakes["cells"] for image in cell["images"])
    missing = httpx.get(f"{server.url}/api/runs/{run['id']}/evaluation", params={"epoch": 3})
    assert missing.status_code == 404 and "epochs 1, 2" in missing.json()["detail"]
