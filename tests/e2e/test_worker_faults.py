"""End to end: runs survive a backend restart, a killed worker and a stopped worker, losing and repeating nothing."""

from __future__ import annotations

import math
import signal
import time

import pytest

from tests.e2e.cluster import TINY_RUN, Api, Cluster, restart_server, wait_until

pytestmark = pytest.mark.e2e

# Long enough to interrupt: 128 steps per epoch, about a second each epoch on one core.
LONG_RUN = {**TINY_RUN, "epochs": 5, "train_limit": 2048}
STEPS = 5 * 2048 // 16


def assert_matches_uninterrupted_run(api: Api, run_id: int) -> None:
    """Run the same config again without interruption: per-step losses and final accuracy must match."""
    reference = api.create(LONG_RUN)["id"]
    assert api.wait_status(reference, {"succeeded", "failed"}, 180)["status"] == "succeeded"
    steps, losses = api.series(run_id, "loss")
    ref_steps, ref_losses = api.series(reference, "loss")
    assert steps == ref_steps == list(range(1, STEPS + 1))
    assert all(math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6) for a, b in zip(losses, ref_losses))
    assert api.run(run_id)["summary"]["test_accuracy"] == api.run(reference)["summary"]["test_accuracy"]


def test_worker_keeps_training_while_the_backend_is_down_and_delivers_everything(cluster: Cluster) -> None:
    server = cluster.server()
    worker = cluster.worker(server, "w1")
    api = Api(server.url)
    run = api.create(LONG_RUN)
    wait_until(lambda: len(api.series(run["id"], "loss")[0]) >= 16, "the first losses", timeout_s=90)
    server.stop()
    time.sleep(3)  # the worker trains on, buffering its reports and retrying
    restart_server(server)
    done = api.wait_status(run["id"], {"succeeded", "failed"}, 180)
    assert done["status"] == "succeeded", worker.log()
    assert done["attempt"] == 1  # never handed to the queue again
    steps, _ = api.series(run["id"], "loss")
    assert steps == list(range(1, STEPS + 1))  # no point lost, none duplicated
    assert api.series(run["id"], "train_acc")[0] == [1, 2, 3, 4, 5]
    assert "retrying" in worker.log()


def test_killed_worker_run_is_resumed_by_the_next_worker_from_its_checkpoint(cluster: Cluster) -> None:
    server = cluster.server(TRAINBOARD_LEASE_S="3")
    first = cluster.worker(server, "w1")
    api = Api(server.url)
    run = api.create(LONG_RUN)

    def checkpoint_stored() -> bool:
        artifacts = api.get(f"/api/runs/{run['id']}/artifacts")["data"]
        return any(a["name"] == "checkpoint" for a in artifacts)

    wait_until(checkpoint_stored, "the first epoch checkpoint", timeout_s=90, interval_s=0.05)
    first.signal(signal.SIGKILL)
    first.wait(10)
    assert api.run(run["id"])["status"] == "running"
    requeued = api.wait_status(run["id"], {"queued"}, 20)  # the lease expires
    assert requeued["attempt"] == 1

    second = cluster.worker(server, "w2")
    done = api.wait_status(run["id"], {"succeeded", "failed"}, 180)
    assert done["status"] == "succeeded", second.log()
    assert done["attempt"] == 2 and done["worker"] == "w2"
    assert "resuming after epoch" in second.log()
    assert_matches_uninterrupted_run(api, run["id"])


def test_sigterm_hands_the_run_back_and_the_next_worker_continues_it(cluster: Cluster) -> None:
    server = cluster.server()
    first = cluster.worker(server, "w1")
    api = Api(server.url)
    run = api.create(LONG_RUN)
    wait_until(lambda: len(api.series(run["id"], "loss")[0]) >= 24, "the first losses", timeout_s=90)
    first.signal(signal.SIGTERM)
    assert first.wait(30) == 0
    handed_back = api.run(run["id"])
    assert handed_back["status"] == "queued", first.log()
    assert 0 < handed_back["progress"]["step"] < STEPS

    second = cluster.worker(server, "w2")
    done = api.wait_status(run["id"], {"succeeded", "failed"}, 180)
    assert done["status"] == "succeeded", second.log()
    assert_matches_uninterrupted_run(api, run["id"])
