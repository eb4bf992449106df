"""Sweeps over the API, with a worker played over HTTP: trials queued `parallel` at a time, each evaluation
told to the study once (also after a resumed attempt), pruning, the end of a sweep, cancel and bad input."""

from __future__ import annotations

from typing import Any

import optuna
import pytest
from backend_api import JSON, claim, finish, ingest, lease_headers, register
from fastapi.testclient import TestClient

from tests.polling import wait_until
from trainboard.backend.sweeps.study import storage

BASE = {"dataset": "synthetic", "epochs": 3}


def sweep_body(**fields: Any) -> dict[str, Any]:
    return {"base": BASE, "space": {"lr": "log:1e-4:1e-1", "batch_size": "choice:16,32"}, "trials": 3, "parallel": 1,
            "pruner": "none", **fields}


def epoch_event(seq: int, epoch: int, value: float) -> dict[str, Any]:
    return {"seq": seq, "type": "metrics", "points": [{"name": "test_acc", "step": epoch, "value": value}]}


def sweep_of(client: TestClient, sweep_id: int) -> dict[str, Any]:
    response = client.get(f"/api/sweeps/{sweep_id}")
    assert response.status_code == 200, response.text
    return response.json()


def study_trials(settings: Any, client: TestClient, sweep_id: int) -> list[optuna.trial.FrozenTrial]:
    # The study as Optuna itself stores it, read through its own storage (the sweep's study_name is internal).
    studies = optuna.get_all_study_summaries(storage(settings.database_url))
    assert len(studies) == 1
    return optuna.load_study(study_name=studies[0].study_name, storage=storage(settings.database_url)).trials


def test_trials_are_queued_parallel_at_a_time_and_each_end_queues_the_next(client: TestClient) -> None:
    response = client.post("/api/sweeps", json=sweep_body(parallel=2, trials=3))
    assert response.status_code == 201, response.text
    sweep = response.json()
    assert sweep["status"] == "running" and sweep["direction"] == "maximize" and sweep["name"] == "sweep"
    assert sweep["space"]["lr"] == {"type": "log", "low": 1e-4, "high": 0.1}
    first, second = sweep["trial_list"]
    assert (first["number"], second["number"], first["state"]) == (0, 1, "running")
    run = client.get(f"/api/runs/{first['run_id']}").json()
    assert run["config"]["lr"] == first["params"]["lr"] and run["config"]["batch_size"] == first["params"]["batch_size"]
    assert 1e-4 <= run["config"]["lr"] <= 0.1 and run["config"]["epochs"] == 3 and run["status"] == "queued"

    worker = register(client)
    held = claim(client, worker)
    ingest(client, held["id"], worker, [epoch_event(1, 1, 0.3), epoch_event(2, 2, 0.5), epoch_event(3, 3, 0.6)])
    finish(client, held["id"], worker)
    wait_until(lambda: len(sweep_of(client, sweep["id"])["trial_list"]) == 3, "the third trial to be queued")
    done = sweep_of(client, sweep["id"])
    ended = next(t for t in done["trial_list"] if t["run_id"] == held["id"])
    assert ended["state"] == "complete" and ended["value"] == 0.6 and ended["reported"] == {"1": 0.3, "2": 0.5, "3": 0.6}
    assert done["best"]["run_id"] == held["id"] and done["status"] == "running"


def test_a_resumed_trial_tells_each_evaluation_once(client: TestClient, settings: Any) -> None:
    sweep = client.post("/api/sweeps", json=sweep_body(trials=1)).json()
    first = register(client, "first")
    run_id = claim(client, first)["id"]
    ingest(client, run_id, first, [epoch_event(1, 1, 0.25)])
    # The worker hands the run back (as one stopping, or one whose lease expired); the next starts over and
    # reports epoch 1 again.
    finish(client, run_id, first, status="requeue")
    second = register(client, "second")
    again = claim(client, second)
    assert again["id"] == run_id and again["attempt"] == 2
    ingest(client, run_id, second, [epoch_event(again["next_seq"] + i, e, v)
                                    for i, (e, v) in enumerate([(1, 0.25), (2, 0.4), (3, 0.45)])])
    finish(client, run_id, second)
    wait_until(lambda: sweep_of(client, sweep["id"])["status"] == "succeeded", "the sweep to end")
    trial = sweep_of(client, sweep["id"])["trial_list"][0]
    assert trial["reported"] == {"1": 0.25, "2": 0.4, "3": 0.45} and trial["state"] == "complete"
    (told,) = study_trials(settings, client, sweep["id"])
    assert told.intermediate_values == {1: 0.25, 2: 0.4, 3: 0.45} and told.value == 0.45
    assert told.state == optuna.trial.TrialState.COMPLETE


def test_the_pruner_stops_a_trial_behind_the_others_with_its_reason(client: TestClient) -> None:
    sweep = client.post("/api/sweeps", json=sweep_body(trials=4, pruner="median")).json()
    worker = register(client)
    for value in (0.6, 0.7):  # two full trials: the median pruner's startup trials
        run_id = claim(client, worker)["id"]
        ingest(client, run_id, worker, [epoch_event(1, 1, value), epoch_event(2, 2, value), epoch_event(3, 3, value)])
        finish(client, run_id, worker)
        wait_until(lambda: claim_ready(client, sweep["id"]), "the next trial")
    behind = claim(client, worker)["id"]
    ingest(client, behind, worker, [epoch_event(1, 1, 0.1)])
    run = client.get(f"/api/runs/{behind}").json()
    assert run["status"] == "pruned" and "below the median 65.0 %" in run["error"]
    beat = client.post(f"/api/workers/{worker}/heartbeat", json={"run_id": behind}, headers=lease_headers(behind, worker))
    assert beat.json() == {"cancel": True}  # its worker stops at this heartbeat
    assert finish(client, behind, worker, status="cancelled")["status"] == "pruned"
    trial = next(t for t in sweep_of(client, sweep["id"])["trial_list"] if t["run_id"] == behind)
    assert trial["state"] == "pruned" and trial["reason"].startswith("epoch 1 test_acc 10.0 % is below the median")
    assert client.get("/api/runs", params={"status": "pruned"}).json()["count"] == 1


def claim_ready(client: TestClient, sweep_id: int) -> bool:
    return any(t["status"] == "queued" for t in sweep_of(client, sweep_id)["trial_list"])


def test_cancel_stops_the_sweep_and_its_active_trials(client: TestClient) -> None:
    sweep = client.post("/api/sweeps", json=sweep_body(trials=5, parallel=2)).json()
    worker = register(client)
    running = claim(client, worker)["id"]
    response = client.post(f"/api/sweeps/{sweep['id']}/cancel", headers=JSON)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    statuses = {t["run_id"]: t["status"] for t in response.json()["trial_list"]}
    assert set(statuses.values()) == {"cancelled"} and running in statuses and len(statuses) == 2

    def told() -> bool:  # the reconciler tells the study (now, or on its next pass if one was under way)
        return all(t["state"] == "failed" for t in sweep_of(client, sweep["id"])["trial_list"])

    wait_until(told, "the cancelled trials to be told to the study")
    assert client.post(f"/api/sweeps/{sweep['id']}/cancel", headers=JSON).json()["status"] == "cancelled"
    assert client.post(f"/api/sweeps/{sweep['id']}/train-best", headers=JSON).status_code == 409  # none complete
    assert client.get("/api/runs").json()["count"] == 2  # no trial queued after the cancel


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"space": {}}, ["body", "space"]),
        ({"space": {"lr": "log:0:1"}}, ["body", "space", "lr"]),
        ({"space": {"lr": "log:1e-3:1000"}}, ["body", "space", "lr"]),
        ({"space": {"device": "choice:cpu,cuda"}}, ["body", "space", "device"]),
        ({"space": {"colour": "0:1"}}, ["body", "space", "colour"]),
        ({"space": {"batch_size": "choice:16,99999"}}, ["body", "space", "batch_size"]),
        ({"sampler": "grid"}, ["body", "sampler"]),
        ({"sampler": "annealing"}, ["body", "sampler"]),
        ({"pruner": "patience"}, ["body", "pruner"]),
        ({"metric": "f1"}, ["body", "metric"]),
        ({"trials": 0}, ["body", "trials"]),
        ({"base": {"dataset": "synthetic", "epochs": 0}}, ["body", "epochs"]),
        ({"preset": "nope"}, ["body", "preset"]),
    ],
)
def test_a_bad_sweep_is_a_422_at_its_field_and_stores_nothing(client: TestClient, changes: dict, loc: list) -> None:
    response = client.post("/api/sweeps", json=sweep_body(**changes))
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == loc
    assert client.get("/api/sweeps").json()["count"] == 0 and client.get("/api/runs").json()["count"] == 0


def test_a_grid_sweep_walks_its_grid_and_unknown_sweeps_are_404(client: TestClient) -> None:
    body = sweep_body(space={"batch_size": "choice:16,32", "pad_crop": "choice:true,false"}, sampler="grid",
                      trials=4, parallel=4)
    trials = client.post("/api/sweeps", json=body).json()["trial_list"]
    combos = {(t["params"]["batch_size"], t["params"]["pad_crop"]) for t in trials}
    assert combos == {(16, True), (16, False), (32, True), (32, False)}
    assert client.get("/api/sweeps/999").status_code == 404
    assert client.get("/api/sweeps").json()["count"] == 1
    of_run = client.get("/api/sweeps", params={"run": trials[2]["run_id"]}).json()
    assert of_run["count"] == 1 and of_run["data"][0]["trial_list"][2]["run_id"] == trials[2]["run_id"]
    assert client.get("/api/sweeps", params={"run": 999}).json()["count"] == 0


def test_a_trial_asked_but_never_queued_is_queued_on_the_next_pass(client: TestClient, settings: Any) -> None:
    sweep = client.post("/api/sweeps", json=sweep_body(trials=2)).json()
    (name,) = [s.study_name for s in optuna.get_all_study_summaries(storage(settings.database_url))]
    study = optuna.load_study(study_name=name, storage=storage(settings.database_url))
    # What a backend that died right after asking leaves behind: an Optuna trial with no run.
    orphan = study.ask({"lr": optuna.distributions.FloatDistribution(1e-4, 0.1, log=True),
                        "batch_size": optuna.distributions.CategoricalDistribution([16, 32])})
    worker = register(client)
    first = claim(client, worker)["id"]
    ingest(client, first, worker, [epoch_event(1, 1, 0.2), epoch_event(2, 2, 0.3), epoch_event(3, 3, 0.4)])
    finish(client, first, worker)
    wait_until(lambda: len(sweep_of(client, sweep["id"])["trial_list"]) == 2, "the orphan to get its run")
    adopted = sweep_of(client, sweep["id"])["trial_list"][1]
    assert adopted["number"] == orphan.number == 1 and adopted["params"] == orphan.params
    assert len(study_trials(settings, client, sweep["id"])) == 2  # nothing asked beyond the budget
    assert client.get("/api/runs").json()["count"] == 2


def test_deleting_a_trials_run_fails_that_trial_and_the_sweep_goes_on(client: TestClient, settings: Any) -> None:
    sweep = client.post("/api/sweeps", json=sweep_body(trials=3, parallel=2)).json()
    first, second = sweep["trial_list"]
    assert client.delete(f"/api/runs/{first['run_id']}", headers=JSON).status_code == 204
    worker = register(client)
    held = claim(client, worker)
    assert held["id"] == second["run_id"]
    ingest(client, held["id"], worker, [epoch_event(1, 1, 0.2), epoch_event(2, 2, 0.3), epoch_event(3, 3, 0.4)])
    finish(client, held["id"], worker)
    wait_until(lambda: len(sweep_of(client, sweep["id"])["trial_list"]) == 2, "the third trial")
    numbers = [t["number"] for t in sweep_of(client, sweep["id"])["trial_list"]]
    assert numbers == [1, 2]  # trial 0 is not queued again

    def told() -> bool:
        states = {t.number: t.state for t in study_trials(settings, client, sweep["id"])}
        return states[0] == optuna.trial.TrialState.FAIL and states[1] == optuna.trial.TrialState.COMPLETE

    wait_until(told, "the study to know how trials 0 and 1 ended")
