"""End to end: runs survive a backend restart, a killed worker and a stopped worker, losing and repeating nothing."""

from __future__ import annotations

import math
import signal
import time
from pathlib import Path

import pytest

from tests.e2e.cluster import TINY_RUN, Api, WorkerProcess, restart_server, start_server, wait_until

pytestmark = pytest.mark.e2e

# Long enough to interrupt: 128 steps per epoch, about a second each epoch on one core.
LONG_RUN = {**TINY_RUN, "epochs": 5, "train_limit": 2048}
STEPS = 5 * 2048 // 16


def assert_same_losses(api: Api, run_id: int, reference_id: int) -> None:
    """The interrupted run's per-step losses equal those of an uninterrupted run of the same config."""
    steps, losses = api.series(run_id, "loss")
    ref_steps, ref_losses = api.series(reference_id, "loss")
    assert steps == ref_steps == list(range(1, STEPS + 1))
    assert all(math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6) for a, b in zip(losses, ref_losses))
    run, reference = api.run(run_id), api.run(reference_id)
    assert run["summary"]["test_accuracy"] == reference["summary"]["test_accuracy"]


def test_worker_keeps_training_while_the_backend_is_down_and_delivers_everything(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    worker = WorkerProcess(server.url, tmp_path, "w1")
    api = Api(server.url)
    try:
        run = api.create(LONG_RUN)
        wait_until(lambda: len(api.series(run["id"], "loss")[0]) >= 16, 90, "the first losses")
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
    finally:
        worker.stop()
        server.stop()


def test_killed_worker_run_is_resumed_by_the_next_worker_from_its_checkpoint(tmp_path: Path) -> None:
    server = start_server(tmp_path, TRAINBOARD_LEASE_S="3")
    first = WorkerProcess(server.url, tmp_path, "w1")
    second: WorkerProcess | None = None
    api = Api(server.url)
    try:
        run = api.create(LONG_RUN)

        def checkpoint_stored() -> bool:
            artifacts = api.get(f"/api/runs/{run['id']}/artifacts")["data"]
            return any(a["name"] == "checkpoint" for a in artifacts)

        wait_until(checkpoint_stored, 90, "the first epoch checkpoint", interval_s=0.05)
        first.signal(signal.SIGKILL)
        first.wait(10)
        assert api.run(run["id"])["status"] == "running"
        requeued = api.wait_status(run["id"], {"queued"}, 20)  # the lease expires
        assert requeued["attempt"] == 1

        second = WorkerProcess(server.url, tmp_path, "w2")
        done = api.wait_status(run["id"], {"succeeded", "failed"}, 180)
        assert done["status"] == "succeeded", second.log()
        assert done["attempt"] == 2 and done["worker"] == "w2"
        assert "resuming after epoch" in second.log()

        reference = api.create(LONG_RUN)
        assert api.wait_status(reference["id"], {"succeeded", "failed"}, 180)["status"] == "succeeded"
        assert_same_losses(api, run["id"], reference["id"])
    finally:
        first.stop()
        if second is not None:
            second.stop()
        server.stop()


def test_sigterm_hands_the_run_back_and_the_next_worker_continues_it(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    first = WorkerProcess(server.url, tmp_path, "w1")
    second: WorkerProcess | None = None
    api = Api(server.url)
    try:
        run = api.create(LONG_RUN)
        wait_until(lambda: len(api.series(run["id"], "loss")[0]) >= 24, 90, "the first losses")
        first.signal(signal.SIGTERM)
        assert first.wait(30) == 0
        handed_back = api.run(run["id"])
        assert handed_back["status"] == "queued", first.log()
        stopped_at = handed_back["progress"]["step"]
        assert 0 < stopped_at < STEPS

        second = WorkerProcess(server.url, tmp_path, "w2")
        done = api.wait_status(run["id"], {"succeeded", "failed"}, 180)
        assert done["status"] == "succeeded", second.log()

        reference = api.create(LONG_RUN)
        assert api.wait_status(reference["id"], {"succeeded", "failed"}, 180)["status"] == "succeeded"
        assert_same_losses(api, run["id"], reference["id"])
    finally:
        first.stop()
        if second is not None:
            second.stop()
        server.stop()
