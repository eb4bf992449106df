"""End to end: a run with a huge log_every still streams its losses, says what it is doing, and carries the
worker's load as system/... series."""

from __future__ import annotations

import pytest

from tests.e2e.cluster import Api, Cluster, WorkerProcess, wait_until

pytestmark = pytest.mark.e2e

# 2,048 steps per epoch of a small ResNet at batch 2 (several seconds per epoch on a CPU core), read from the
# device every 10,000 steps by log_every alone: any loss point before step 2,048 came from the time-based read.
SLOW_RUN = {
    "dataset": "synthetic", "model": "seed_resnet", "epochs": 10, "batch_size": 2, "lr": 0.01,
    "test_limit": 64, "log_every": 10_000,
}
STEPS_PER_EPOCH = 4096 // 2


@pytest.fixture
def one_worker(cluster: Cluster) -> tuple[Api, WorkerProcess]:
    """One server and one worker."""
    server = cluster.server()
    return Api(server.url), cluster.worker(server, "w1")


def test_a_run_with_log_every_10000_streams_losses_long_before_step_10000(
    one_worker: tuple[Api, WorkerProcess],
) -> None:
    api, worker = one_worker
    run = api.create(SLOW_RUN)
    steps = wait_until(lambda: api.series(run["id"], "loss")[0], "the first loss points", timeout_s=120)
    during = api.run(run["id"])
    assert during["status"] == "running", f"{during['error']}\n{worker.log()}"
    assert steps[0] == 1 and max(steps) < STEPS_PER_EPOCH  # long before log_every and before the epoch's end
    assert during["progress"]["phase"] == f"first epoch: evaluation after {STEPS_PER_EPOCH:,} steps"
    assert during["progress"]["eta_s"] is not None

    # The worker's load goes in as series of the run, every few seconds: CPU and memory, no GPU series on a CPU.
    wait_until(lambda: len(api.series(run["id"], "system/cpu_percent")[0]) >= 2, "two load samples", timeout_s=120)
    names = set(api.get(f"/api/runs/{run['id']}/metrics")["series"])
    assert {"system/cpu_percent", "system/rss_mb", "system/data_wait_share"} <= names
    assert not [name for name in names if name.startswith("system/gpu")]
    _, shares = api.series(run["id"], "system/data_wait_share")
    assert all(0 <= share <= 1 for share in shares)
    # The workers list shows the worker's run and that run's latest load.
    (listed,) = [w for w in api.get("/api/workers")["data"] if w["name"] == "w1"]
    assert listed["run_id"] == run["id"] and listed["device"] == "cpu"
    assert listed["load"]["system/rss_mb"] > 0 and not [k for k in listed["load"] if "gpu" in k]
    assert api.post(f"/api/runs/{run['id']}/cancel").status_code == 200
    api.wait_status(run["id"], {"cancelled"}, 60)
