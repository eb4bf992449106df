"""The catalogue is the built-ins plus what live workers report; launches are checked against it; a claim
hands out only runs the claimer can run, and a run no live worker can take says why."""

from __future__ import annotations

from typing import Any

import httpx
from backend_api import claim, create_run

WIDE_CNN = {
    "name": "wide_cnn", "description": "Two convolutions of a chosen width", "source": "my_nets",
    "args": [{"name": "width", "type": "int", "default": 8, "required": False, "choices": None},
             {"name": "act", "type": "str", "default": "relu", "required": False, "choices": ["relu", "tanh"]}],
    "parameters": 1234, "layers": ["body", "body.0", "body.1", "head"], "feature_layers": ["body.0"],
}
BUILTINS = [{"name": name, "args": []} for name in ("tutorial_cnn", "seed_resnet", "resnet9", "resnet18")]
SYNTHETIC = {"name": "synthetic", "status": "present", "source": "builtin"}


def register(client: httpx.Client, name: str, *, models: list[dict[str, Any]] | None = None,
             datasets: list[dict[str, Any]] | None = None, device: str = "cpu", tags: list[str] | None = None) -> int:
    capabilities = {
        "device_kind": device.split(":")[0], "tags": tags or [],
        "models": [*BUILTINS, *(models or [])], "datasets": [SYNTHETIC, *(datasets or [])],
    }
    response = client.post("/api/workers/register", json={"name": name, "device": device, "capabilities": capabilities})
    assert response.status_code == 200, response.text
    return response.json()["id"]


def test_the_catalogue_adds_what_live_workers_offer_and_says_where(client: httpx.Client) -> None:
    register(client, "plain")
    register(client, "gpu-box", models=[WIDE_CNN], datasets=[{"name": "bands", "status": "present", "source": "npz",
                                                               "description": "npz at /data/bands.npz"}])
    models = {m["name"]: m for m in client.get("/api/models").json()["data"]}
    assert list(models)[:4] == ["tutorial_cnn", "seed_resnet", "resnet9", "resnet18"]
    assert sorted(models["tutorial_cnn"]["workers"]) == ["gpu-box", "plain"]
    wide = models["wide_cnn"]
    assert wide["workers"] == ["gpu-box"] and wide["source"] == "my_nets"
    assert [a["name"] for a in wide["args"]] == ["width", "act"] and wide["args"][1]["choices"] == ["relu", "tanh"]
    datasets = {d["name"]: d for d in client.get("/api/datasets").json()["data"]}
    assert datasets["bands"]["workers"] == ["gpu-box"] and datasets["bands"]["source"] == "npz"
    assert "cifar100" in datasets and datasets["cifar100"]["train_size"] == 50000


def _field_error(response: httpx.Response) -> tuple[list[Any], str]:
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    return detail["loc"], detail["msg"]


def test_a_launch_of_something_nothing_offers_is_a_422_naming_the_field_and_nothing_is_queued(
    client: httpx.Client,
) -> None:
    register(client, "gpu-box", models=[WIDE_CNN])
    cases = [
        ({"model": "vgg"}, ["body", "model"], "unknown model 'vgg'; available: tutorial_cnn, seed_resnet, resnet9, "
                                              "resnet18, wide_cnn"),
        ({"dataset": "imagenet"}, ["body", "dataset"], "unknown dataset 'imagenet'; available: cifar10"),
        ({"model": "wide_cnn", "model_args": {"width": "wide"}}, ["body", "model_args", "width"], "expected int"),
        ({"model": "wide_cnn", "model_args": {"act": "gelu"}}, ["body", "model_args", "act"], "not one of"),
        ({"model": "wide_cnn", "model_args": {"depth": 2}}, ["body", "model_args", "depth"], "its arguments: width, act"),
        ({"model": "wide_cnn", "feature_layers": ["conv9"]}, ["body", "feature_layers"], "no layer 'conv9'; its layers: body"),
        ({"model": "tutorial_cnn", "model_args": {"width": 2}}, ["body", "model_args", "width"], "takes no argument"),
    ]
    for fields, loc, message in cases:
        found_loc, found_message = _field_error(client.post("/api/runs", json={"dataset": "synthetic", **fields}))
        assert found_loc == loc and message in found_message, (fields, found_loc, found_message)
    assert client.get("/api/runs").json()["count"] == 0


def test_a_launch_stores_the_options_with_their_defaults(client: httpx.Client) -> None:
    register(client, "gpu-box", models=[WIDE_CNN])
    run = create_run(client, model="wide_cnn", model_args={"width": 32}, feature_layers=["body.1"])
    assert run["config"]["model_args"] == {"width": 32, "act": "relu"}


def test_a_claim_skips_runs_the_worker_cannot_run_and_hands_out_the_oldest_it_can(client: httpx.Client) -> None:
    plain = register(client, "plain")
    gpu = register(client, "gpu-box", models=[WIDE_CNN], device="cuda:0", tags=["a100"])
    wide = create_run(client, model="wide_cnn")
    tagged = create_run(client, worker_tags=["a100"])
    cuda = create_run(client, device="cuda")
    ordinary = create_run(client)
    assert claim(client, plain)["id"] == ordinary["id"]  # the three older runs need what it lacks
    assert claim(client, plain) is None
    assert [claim(client, gpu)["id"] for _ in range(3)] == [wide["id"], tagged["id"], cuda["id"]]


def test_a_queued_run_that_no_live_worker_can_take_says_why(client: httpx.Client) -> None:
    register(client, "gpu-box", models=[WIDE_CNN])
    wide = create_run(client, model="wide_cnn")
    assert client.get(f"/api/runs/{wide['id']}").json()["waiting"] is None
    tagged = create_run(client, model="wide_cnn", worker_tags=["a100"])
    assert client.get(f"/api/runs/{tagged['id']}").json()["waiting"] == "waiting: no live worker has tag a100"
    cuda = create_run(client, device="cuda")
    listed = {r["id"]: r["waiting"] for r in client.get("/api/runs").json()["data"]}
    assert listed == {wide["id"]: None, tagged["id"]: "waiting: no live worker has tag a100",
                      cuda["id"]: "waiting: no live worker has device cuda"}


def test_a_worker_without_a_report_of_what_it_offers_runs_the_builtins(client: httpx.Client) -> None:
    response = client.post("/api/workers/register", json={"name": "older", "device": "cpu", "capabilities": {}})
    older = response.json()["id"]
    run = create_run(client)
    assert claim(client, older)["id"] == run["id"]


def test_a_worker_reports_datasets_that_appear_later_and_then_gets_their_runs(client: httpx.Client) -> None:
    worker = register(client, "gpu-box")
    refused = client.post("/api/runs", json={"dataset": "bands"})
    assert _field_error(refused)[0] == ["body", "dataset"]
    capabilities = client.get("/api/workers").json()["data"][0]["capabilities"]
    capabilities["datasets"].append({"name": "bands", "status": "present", "source": "npz"})
    assert client.put(f"/api/workers/{worker}/offer", json={"capabilities": capabilities}).status_code == 204
    datasets = {d["name"]: d for d in client.get("/api/datasets").json()["data"]}
    assert datasets["bands"]["workers"] == ["gpu-box"]
    run = create_run(client, dataset="bands")
    assert claim(client, worker)["id"] == run["id"]
    assert client.put("/api/workers/999/offer", json={"capabilities": {}}).status_code == 404
