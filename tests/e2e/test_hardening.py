"""Faults an outsider or a bad day brings, against a real server and real worker processes: no silent loss,
no wedged run, no forged events, a healthy run never requeued by its own heartbeat interval."""

from __future__ import annotations

import httpx
import pytest

from tests.backend.backend_api import JSON
from tests.e2e.cluster import TINY_RUN, Api, Cluster, restart_server, wait_until

pytestmark = pytest.mark.e2e

# A window of 4,000 steps: 8,000 points (loss and lr), about 340 KB of JSON in one event unless it is split;
# the servers below take 0.25 MB (256 KiB) in one request.
WINDOW_STEPS = 4_000
LONG_WINDOW = {
    "preset": "origin-2ep", "dataset": "synthetic", "train_limit": WINDOW_STEPS, "test_limit": 64,
    "batch_size": 1, "epochs": 1, "log_every": WINDOW_STEPS, "log_every_s": 86_400,  # log_every alone decides
}
SMALL_REQUESTS = "0.25"


def test_a_window_larger_than_the_request_limit_arrives_whole(cluster: Cluster) -> None:
    server = cluster.server(TRAINBOARD_MAX_REQUEST_MB=SMALL_REQUESTS)
    worker = cluster.worker(server, "w1")
    api = Api(server.url)
    run = api.create(LONG_WINDOW)
    done = api.wait_status(run["id"], {"succeeded", "failed"}, 300)
    assert done["status"] == "succeeded", f"{done['error']}\n{worker.log()}"
    steps, _ = api.series(run["id"], "loss")
    assert steps == list(range(1, WINDOW_STEPS + 1))


def test_a_batch_the_server_refuses_fails_the_run_with_the_reason(cluster: Cluster) -> None:
    server = cluster.server()
    worker = cluster.worker(server, "w1")
    api = Api(server.url)
    wait_until(lambda: api.get("/api/workers")["count"] == 1, "the worker to register", timeout_s=120)
    server.stop()  # the worker learnt the 16 MB limit; the server comes back with 0.25 MB
    server.env["TRAINBOARD_MAX_REQUEST_MB"] = SMALL_REQUESTS
    restart_server(server)
    run = api.create(LONG_WINDOW)
    done = api.wait_status(run["id"], {"succeeded", "failed"}, 300)
    assert done["status"] == "failed"
    assert "HTTP 413" in done["error"] and "TRAINBOARD_MAX_REQUEST_MB" in done["error"], done["error"]
    assert worker.process.poll() is None  # the worker lives on for the next run


def test_forged_events_and_finishes_of_another_are_refused(cluster: Cluster) -> None:
    server = cluster.server()
    worker = cluster.worker(server, "w1")
    api = Api(server.url)
    run = api.create({**TINY_RUN, "epochs": 3})["id"]
    wait_until(lambda: len(api.series(run, "loss")[0]) > 8, "the first losses", timeout_s=120)
    holder = next(w["id"] for w in api.get("/api/workers")["data"] if w["run_id"] == run)  # ids are public
    forged = {"seq": 2_147_483_647, "type": "metrics", "points": [{"name": "loss", "step": 999_999, "value": 0.0}]}
    for headers in (JSON, {**JSON, "X-Lease-Token": "a" * 32}):
        answer = httpx.post(f"{server.url}/api/runs/{run}/ingest", json={"worker_id": holder, "events": [forged]},
                            headers=headers)
        assert answer.status_code == 409
        finish = {"worker_id": holder, "status": "failed", "error": "forged"}
        assert httpx.post(f"{server.url}/api/runs/{run}/finish", json=finish, headers=headers).status_code == 409
    done = api.wait_status(run, {"succeeded", "failed"}, 180)
    assert done["status"] == "succeeded", f"{done['error']}\n{worker.log()}"
    steps, _ = api.series(run, "loss")
    assert steps == list(range(1, 3 * 1024 // 16 + 1))


def test_an_unwritable_artifact_store_fails_the_run_after_the_bound(cluster: Cluster) -> None:
    server = cluster.server()
    (cluster.folder / "artifacts").mkdir(exist_ok=True)
    (cluster.folder / "artifacts" / "run-1").write_text("a file where the run's folder should be")
    worker = cluster.worker(server, "w1", "--give-up-after", "2")
    api = Api(server.url)
    run = api.create({**TINY_RUN, "epochs": 1})
    assert run["id"] == 1
    done = api.wait_status(run["id"], {"succeeded", "failed"}, 180)
    assert done["status"] == "failed"
    assert done["error"].startswith("reports failed for 2 s: HTTP 503: artifact storage cannot be written"), done
    assert worker.process.poll() is None


def test_a_run_that_cannot_start_on_a_worker_fails_instead_of_bouncing(cluster: Cluster) -> None:
    server = cluster.server()
    not_a_folder = cluster.folder / "work-dir-is-a-file"
    not_a_folder.write_text("")
    worker = cluster.worker(server, "w1", "--work-dir", str(not_a_folder))
    api = Api(server.url)
    run = api.create({**TINY_RUN, "epochs": 1})
    done = api.wait_status(run["id"], {"succeeded", "failed"}, 120)
    assert done["status"] == "failed" and done["attempt"] == 1
    assert "NotADirectoryError" in done["error"] or "FileExistsError" in done["error"], done["error"]
    assert worker.process.poll() is None


def test_a_short_lease_does_not_requeue_a_healthy_run(cluster: Cluster) -> None:
    server = cluster.server(TRAINBOARD_LEASE_S="1")  # the server announces a beat every 0.25 s
    worker = cluster.worker(server, "w1")
    api = Api(server.url)
    run = api.create({**TINY_RUN, "epochs": 3})
    done = api.wait_status(run["id"], {"succeeded", "failed"}, 180)
    assert done["status"] == "succeeded", f"{done['error']}\n{worker.log()}"
    assert done["attempt"] == 1
    logs = [line["message"] for line in api.get(f"/api/runs/{run['id']}/logs")["data"]]
    assert not [line for line in logs if "no heartbeat" in line]
