"""End to end: a real uvicorn backend and real worker processes execute runs and store what they report."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.cluster import TINY_RUN, Api, Cluster, WorkerProcess, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def one_worker(cluster: Cluster) -> tuple[Api, WorkerProcess]:
    """One server and one worker."""
    server = cluster.server()
    return Api(server.url), cluster.worker(server, "w1")


def test_training_run_goes_from_queued_to_succeeded_with_everything_stored(one_worker: tuple[Api, WorkerProcess]) -> None:
    api, worker = one_worker
    run = api.create(TINY_RUN)
    assert run["status"] == "queued"
    api.wait_status(run["id"], {"running", "succeeded"}, 60)
    done = api.wait_status(run["id"], {"succeeded", "failed"}, 120)
    assert done["status"] == "succeeded", f"{done['error']}\n{worker.log()}"
    assert done["worker"] == "w1" and done["device"]

    steps_per_epoch = 1024 // 16
    steps, losses = api.series(run["id"], "loss")
    assert steps == list(range(1, 2 * steps_per_epoch + 1))  # every step once, none twice
    assert all(loss > 0 for loss in losses)
    assert api.series(run["id"], "test_acc")[0] == [1, 2]

    summary = done["summary"]
    assert summary["test_accuracy"] > 0.5  # ten classes: chance is 0.1
    confusion = api.get(f"/api/runs/{run['id']}/confusion")
    assert sum(map(sum, confusion["matrix"])) == 256  # the whole (limited) test set
    assert len(confusion["classes"]) == 10
    per_class = api.get(f"/api/runs/{run['id']}/per-class")
    assert len(per_class["accuracy"]) == 10
    maps = api.get(f"/api/runs/{run['id']}/feature-maps")
    assert set(maps["layers"]) == {"conv1", "conv2"}
    assert maps["layers"]["conv1"]["full_shape"] == [6, 28, 28]  # kept as uint8, shrunk to a few KB


def test_lr_finder_run_stores_curve_and_suggestions(one_worker: tuple[Api, WorkerProcess]) -> None:
    api, worker = one_worker
    run = api.create({**TINY_RUN, "kind": "lr_find", "start_lr": 1e-5, "end_lr": 10, "num_iter": 40})
    done = api.wait_status(run["id"], {"succeeded", "failed"}, 120)
    assert done["status"] == "succeeded", f"{done['error']}\n{worker.log()}"
    curve = api.get(f"/api/runs/{run['id']}/lr-curve")
    assert 5 < len(curve["lr"]) <= 40 and len(curve["lr"]) == len(curve["smoothed"])
    assert curve["recommended"] in curve["suggestions"]
    assert curve["train_config"]["kind"] == "train"
    steps, values = api.series(run["id"], "lrf_smoothed")
    assert steps == list(range(1, len(curve["lr"]) + 1))


def test_cancel_stops_a_running_run_and_keeps_its_history(one_worker: tuple[Api, WorkerProcess]) -> None:
    api, worker = one_worker
    run = api.create({**TINY_RUN, "epochs": 200, "train_limit": 4096})
    wait_until(lambda: len(api.series(run["id"], "loss")[0]) > 20, "the first losses", timeout_s=90)
    assert api.post(f"/api/runs/{run['id']}/cancel").status_code == 200
    done = api.wait_status(run["id"], {"cancelled"}, 10)
    kept = api.series(run["id"], "loss")[0]
    assert len(kept) > 20
    assert done["finished_at"] is not None
    # The worker goes on to the next run.
    following = api.create(TINY_RUN)
    assert api.wait_status(following["id"], {"succeeded", "failed"}, 120)["status"] == "succeeded"


def test_cancel_right_after_the_claim_stops_the_run_before_it_trains(one_worker: tuple[Api, WorkerProcess]) -> None:
    api, worker = one_worker
    run = api.create({**TINY_RUN, "epochs": 200, "train_limit": 4096})
    api.wait_status(run["id"], {"running"}, 60)  # claimed: the worker is importing torch or building the model
    assert api.post(f"/api/runs/{run['id']}/cancel").status_code == 200
    done = api.wait_status(run["id"], {"cancelled", "failed", "succeeded"}, 10)
    assert done["status"] == "cancelled", f"{done['error']}\n{worker.log()}"
    assert done["finished_at"] is not None


def test_a_diverging_run_is_marked_diverged_with_a_reason_and_the_worker_goes_on(
    one_worker: tuple[Api, WorkerProcess],
) -> None:
    api, worker = one_worker
    diverging = api.create({**TINY_RUN, "lr": 100.0, "momentum": 0.99})
    ended = api.wait_status(diverging["id"], {"succeeded", "failed", "diverged"}, 120)
    assert ended["status"] == "diverged", f"{ended['error']}\n{worker.log()}"
    assert ended["error"].startswith("training diverged: ") and "try a lower lr" in ended["error"]
    assert ended["finished_at"] is not None
    _, losses = api.series(diverging["id"], "loss")
    assert losses  # the losses up to the read that caught it were reported (non-finite ones as null)
    logs = api.get(f"/api/runs/{diverging['id']}/logs")["data"]
    assert any(line["message"] == ended["error"] for line in logs)
    # The runs list filters by the new status.
    listed = api.get("/api/runs", status="diverged")["data"]
    assert [run["id"] for run in listed] == [diverging["id"]]

    healthy = api.create(TINY_RUN)
    assert api.wait_status(healthy["id"], {"succeeded", "failed"}, 120)["status"] == "succeeded"


def test_missing_dataset_fails_with_the_directory_to_fill(cluster: Cluster) -> None:
    server = cluster.server()
    # No CIFAR-10 on disk and its download goes to a closed local port: the run must fail, clearly.
    cluster.worker(server, "w1", TRAINBOARD_CIFAR10_URL="http://127.0.0.1:9/cifar.tar.gz")
    api = Api(server.url)
    run = api.create({"preset": "origin-2ep", "dataset": "cifar10"})
    failed = api.wait_status(run["id"], {"succeeded", "failed"}, 120)
    assert failed["status"] == "failed"
    assert str(cluster.folder / "data") in failed["error"]


def test_two_workers_share_the_queue_and_run_each_run_once(cluster: Cluster) -> None:
    server = cluster.server()
    for name in ("w1", "w2"):
        cluster.worker(server, name)
    api = Api(server.url)
    wait_until(lambda: api.get("/api/workers")["count"] == 2, "both workers to register", timeout_s=60)
    runs = [api.create({**TINY_RUN, "epochs": 1}) for _ in range(4)]
    done = [api.wait_status(r["id"], {"succeeded", "failed"}, 240) for r in runs]
    assert [d["status"] for d in done] == ["succeeded"] * 4
    assert all(d["attempt"] == 1 for d in done)  # nobody claimed a run twice
    assert {d["worker"] for d in done} == {"w1", "w2"}
    for d in done:
        assert api.series(d["id"], "loss")[0] == list(range(1, 65))


def test_deleting_a_running_run_stops_it_and_the_worker_goes_on(one_worker: tuple[Api, WorkerProcess]) -> None:
    api, worker = one_worker
    run = api.create({**TINY_RUN, "epochs": 200, "train_limit": 4096})
    wait_until(lambda: len(api.series(run["id"], "loss")[0]) > 8, "the first losses", timeout_s=90)

    assert api.delete(f"/api/runs/{run['id']}").status_code == 204
    assert httpx.get(f"{api.url}/api/runs/{run['id']}", timeout=10).status_code == 404
    following = api.create(TINY_RUN)
    done = api.wait_status(following["id"], {"succeeded", "failed"}, 120)
    assert done["status"] == "succeeded", worker.log()
    assert worker.process.poll() is None  # still serving the queue
