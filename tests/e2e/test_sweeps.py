"""End to end: a sweep over two real workers: Optuna samples, ASHA prunes, the best config is launchable,
and a backend restart in the middle loses no trial and runs none twice."""

from __future__ import annotations

import httpx
import pytest

from tests.backend.backend_server import ServerProcess
from tests.e2e.cluster import Api, Cluster, restart_server, wait_until

pytestmark = pytest.mark.e2e

# About a second per epoch: the pruner's stop reaches a trial's worker (heartbeat every 0.5 s) within the epoch.
BASE = {"dataset": "synthetic", "epochs": 3, "train_limit": 1024, "test_limit": 128, "batch_size": 16,
        "normalize": "dataset", "log_every": 8}
SWEEP = {"name": "e2e sweep", "preset": "origin-2ep", "base": BASE, "trials": 12, "parallel": 2, "pruner": "asha",
         "seed": 1, "space": {"lr": "log:1e-4:0.2", "momentum": "0.5:0.95"}}


def create_sweep(url: str, body: dict) -> dict:
    response = httpx.post(f"{url}/api/sweeps", json=body, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def wait_sweep(api: Api, sweep_id: int, timeout_s: float = 600) -> dict:
    def ended() -> dict | None:
        sweep = api.get(f"/api/sweeps/{sweep_id}")
        return sweep if sweep["status"] != "running" else None

    return wait_until(ended, f"sweep {sweep_id} to end", timeout_s=timeout_s, interval_s=0.5)


def check_finished_sweep(api: Api, sweep: dict) -> None:
    trials = sweep["trial_list"]
    assert sweep["status"] == "succeeded" and [t["number"] for t in trials] == list(range(12))
    assert len({t["run_id"] for t in trials}) == 12  # one run per trial
    runs = api.get("/api/runs", limit=500)["data"]
    assert sorted(r["id"] for r in runs) == sorted(t["run_id"] for t in trials)  # and no other run
    states = [t["state"] for t in trials]
    assert set(states) <= {"complete", "pruned", "failed"} and "pruned" in states and "complete" in states, states
    for trial in trials:
        run = api.run(trial["run_id"])
        assert run["config"]["lr"] == trial["params"]["lr"] and run["config"]["epochs"] == 3
        epochs, values = api.series(trial["run_id"], "test_acc")
        told = {str(e): v for e, v in zip(epochs, values)}
        if trial["state"] == "pruned":  # told up to the epoch it was pruned at; it may have stored one more
            last = max(map(int, trial["reported"]))
            assert trial["reported"] == {k: v for k, v in told.items() if int(k) <= last} and last < 3
            assert run["status"] == "pruned" and trial["reason"] in run["error"]
            assert "is not in the best 1/3" in trial["reason"]
        elif trial["state"] == "failed":  # a high lr the divergence watchdog stopped: the sweep goes on
            assert run["status"] == "diverged" and trial["reason"] == "its run diverged"
        else:
            assert trial["reported"] == told  # each evaluation told once
            assert run["status"] == "succeeded" and trial["value"] == values[-1] and epochs == [1, 2, 3]
    best = sweep["best"]
    complete = [t for t in trials if t["state"] == "complete"]
    assert best["value"] == max(t["value"] for t in complete)


@pytest.fixture
def two_workers(cluster: Cluster) -> ServerProcess:
    """A server whose workers heartbeat every 0.5 s (a pruned trial stops within its epoch), and two workers."""
    server = cluster.server(TRAINBOARD_LEASE_S="2")
    for name in ("w1", "w2"):
        cluster.worker(server, name)
    return server


def test_a_sweep_on_two_workers_prunes_and_its_best_config_can_be_trained(two_workers: ServerProcess) -> None:
    server = two_workers
    api = Api(server.url)
    created = create_sweep(server.url, SWEEP)
    assert [t["status"] for t in created["trial_list"]] == ["queued", "queued"]  # `parallel` at once
    sweep = wait_sweep(api, created["id"])
    check_finished_sweep(api, sweep)

    importance = api.get(f"/api/sweeps/{sweep['id']}/importance")
    assert set(importance["importances"]) == {"lr", "momentum"} and importance["trials"] >= 2
    response = httpx.post(f"{server.url}/api/sweeps/{sweep['id']}/train-best", headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 201, response.text
    best_run = api.wait_status(response.json()["id"], {"succeeded", "failed"}, 120)
    assert best_run["status"] == "succeeded"
    assert best_run["config"]["lr"] == sweep["best"]["params"]["lr"] and best_run["config"]["epochs"] == 3


def test_a_backend_restart_mid_sweep_loses_no_trial_and_runs_none_twice(two_workers: ServerProcess) -> None:
    server = two_workers
    api = Api(server.url)
    created = create_sweep(server.url, SWEEP)

    def some_ended() -> bool:
        sweep = api.get(f"/api/sweeps/{created['id']}")
        return sum(t["state"] != "running" for t in sweep["trial_list"]) >= 3

    wait_until(some_ended, "three trials to end", timeout_s=300, interval_s=0.2)
    server.stop()
    restart_server(server)
    check_finished_sweep(api, wait_sweep(api, created["id"]))
