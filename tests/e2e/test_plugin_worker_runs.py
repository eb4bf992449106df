"""End to end: a user's plugin file (a network with two options, an .npz dataset) on one real worker; runs of it go
only there, train, and report as a built-in does; the server never imports the plugin."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from tests.e2e.cluster import Api, Cluster, wait_until
from tests.plugin_files.files import CLASSES, write_npz_dataset, write_plugin, write_plugin_arrays

pytestmark = pytest.mark.e2e

PLUGIN_RUN = {
    "preset": "origin-2ep", "model": "wide_cnn", "model_args": {"width": 6, "dropout": 0.1}, "dataset": "plugin-bands",
    "epochs": 2, "batch_size": 16, "lr": 0.05, "momentum": 0.9, "normalize": "dataset", "log_every": 4,
    "pad_crop": False, "flip": False,
}


def test_a_plugin_runs_only_on_the_worker_that_loaded_it_and_reports_like_a_builtin(
    cluster: Cluster, tmp_path: Path
) -> None:
    markers = tmp_path / "imported-by"
    plugin = write_plugin(tmp_path, marker_dir=markers)
    write_plugin_arrays(tmp_path / "data")  # the data directory both workers use
    # The server is told about the plugin too: it must not import it.
    server = cluster.server(TRAINBOARD_PLUGINS=str(plugin))
    api = Api(server.url)
    plain = cluster.worker(server, "plain")  # started first, without the plugin
    wait_until(lambda: api.get("/api/workers")["count"] == 1, "the plain worker to register", timeout_s=120)
    refused = httpx.post(f"{server.url}/api/runs", json=PLUGIN_RUN, timeout=10)
    assert refused.status_code == 422 and "unknown model 'wide_cnn'" in refused.text  # nobody offers it yet

    plugged = cluster.worker(server, "plugged", "--plugin", str(plugin))
    wait_until(lambda: api.get("/api/workers")["count"] == 2, "the plugged worker to register", timeout_s=120)
    models = {m["name"]: m for m in api.get("/api/models")["data"]}
    assert models["wide_cnn"]["workers"] == ["plugged"]
    assert [a["name"] for a in models["wide_cnn"]["args"]] == ["width", "dropout"]
    assert "body.3" in models["wide_cnn"]["layers"]
    datasets = {d["name"]: d for d in api.get("/api/datasets")["data"]}
    assert datasets["plugin-bands"]["workers"] == ["plugged"]

    first = api.create(PLUGIN_RUN)
    second = api.create({**PLUGIN_RUN, "feature_layers": ["body.0"]})  # queued while the plugged worker is busy
    builtin = api.create({"preset": "origin-2ep", "dataset": "synthetic", "epochs": 1, "train_limit": 256,
                          "test_limit": 64, "batch_size": 16})
    done = [api.wait_status(run["id"], {"succeeded", "failed"}, 240) for run in (first, second, builtin)]
    assert [run["status"] for run in done] == ["succeeded"] * 3, [r["error"] for r in done] + [plugged.log()]
    assert [run["worker"] for run in done] == ["plugged", "plugged", "plain"]
    assert [run["attempt"] for run in done] == [1, 1, 1]  # never claimed, then handed back, by the other one
    assert f"run {first['id']}: starting" not in plain.log() and f"run {second['id']}: starting" not in plain.log()
    assert f"run {builtin['id']}: starting" in plain.log()

    run_id = first["id"]
    assert done[0]["config"]["model_args"] == {"width": 6, "dropout": 0.1}
    steps, losses = api.series(run_id, "loss")
    assert steps == list(range(1, 2 * 19 + 1)) and all(loss > 0 for loss in losses)  # 300 images, batch 16
    assert done[0]["summary"]["test_accuracy"] > 0.6  # three classes: chance is 1/3
    confusion = api.get(f"/api/runs/{run_id}/confusion")
    assert confusion["classes"] == CLASSES and sum(map(sum, confusion["matrix"])) == 90
    assert api.get(f"/api/runs/{run_id}/per-class")["classes"] == CLASSES
    maps = api.get(f"/api/runs/{run_id}/feature-maps")
    assert sorted(maps["layers"]) == ["body.0", "body.3"]  # the layers the plugin registered as its default
    assert maps["layers"]["body.0"]["shape"][0] == 6  # width 6
    assert sorted(api.get(f"/api/runs/{second['id']}/feature-maps")["layers"]) == ["body.0"]

    importers = {int(p.name) for p in markers.iterdir()}
    assert plugged.process.pid in importers
    assert server.process is not None and server.process.pid not in importers
    assert plain.process.pid not in importers
    assert os.getpid() not in importers


def test_a_dataset_added_to_a_running_workers_data_directory_is_offered_and_trained(cluster: Cluster) -> None:
    server = cluster.server()
    api = Api(server.url)
    worker = cluster.worker(server, "w1", "--rescan", "0.2")
    wait_until(lambda: api.get("/api/workers")["count"] == 1, "the worker to register", timeout_s=120)
    assert "bands" not in {d["name"] for d in api.get("/api/datasets")["data"]}
    write_npz_dataset(cluster.folder / "data", "bands", train=120, test=30, size=16)

    def offered() -> bool:
        return any(d["name"] == "bands" and d["workers"] == ["w1"] for d in api.get("/api/datasets")["data"])

    wait_until(offered, "the worker to report the new dataset", timeout_s=120)
    run = api.create({"preset": "origin-2ep", "dataset": "bands", "epochs": 1, "batch_size": 8, "lr": 0.01})
    done = api.wait_status(run["id"], {"succeeded", "failed"}, 120)
    assert done["status"] == "succeeded", f"{done['error']}\n{worker.log()}"
    assert api.get(f"/api/runs/{run['id']}/confusion")["classes"] == CLASSES
