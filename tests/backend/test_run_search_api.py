"""Finding runs: GET /api/runs with q, tag, dates, status and kind, sorted by any column; the export of the same list."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from backend_api import claim, create_run, finish, ingest, register
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from trainboard.backend.schemas import RUN_SORTS


def names(client: TestClient, **params: Any) -> list[str]:
    """The names of the runs GET /api/runs answers with these parameters, in its order."""
    response = client.get("/api/runs", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return [run["name"] for run in response.json()["data"]]


def tagged(client: TestClient, name: str, tags: list[str], **fields: Any) -> dict[str, Any]:
    run = create_run(client, name=name, **fields)
    return client.patch(f"/api/runs/{run['id']}", json={"tags": tags}).json()


def trained(client: TestClient, name: str, worker: int, test_acc: float, images_per_s: float) -> dict[str, Any]:
    """A run that a worker trained to `test_acc` at `images_per_s`, then finished."""
    run = create_run(client, name=name)
    assert claim(client, worker)["id"] == run["id"]
    progress = {"epoch": 1, "epochs": 1, "step": 4, "total_steps": 4, "images_per_s": images_per_s}
    ingest(client, run["id"], worker, [
        {"seq": 1, "type": "metrics", "points": [{"name": "test_acc", "step": 1, "value": test_acc}]},
        {"seq": 2, "type": "progress", **progress},
    ])
    finish(client, run["id"], worker)
    return run


def test_q_finds_a_substring_of_name_tag_model_dataset_or_preset_ignoring_case(client: TestClient) -> None:
    tagged(client, "alpha", ["Augment"])
    create_run(client, name="beta", model="resnet9")
    create_run(client, name="gamma", preset="origin-2ep")
    create_run(client, name="100%_sure")
    assert names(client, q="ALPH") == ["alpha"]
    assert names(client, q="augm") == ["alpha"]
    assert names(client, q="RESNET9") == ["beta"]
    assert names(client, q="origin-2") == ["gamma"]
    assert set(names(client, q="synth")) == {"alpha", "beta", "gamma", "100%_sure"}  # every dataset
    assert names(client, q="0%_") == ["100%_sure"]  # % and _ are plain characters
    assert names(client, q="nowhere") == []


def test_tag_filters_to_runs_carrying_every_tag_given(client: TestClient) -> None:
    tagged(client, "both", ["aug", "baseline"])
    tagged(client, "aug only", ["aug"])
    tagged(client, "other", ["baseline"])
    assert names(client, tag="aug") == ["aug only", "both"]
    assert names(client, tag=["aug", "baseline"]) == ["both"]
    assert names(client, tag="missing") == []
    client.patch(f"/api/runs/{client.get('/api/runs', params={'q': 'both'}).json()['data'][0]['id']}", json={"tags": []})
    assert names(client, tag=["aug", "baseline"]) == []  # a replaced tag no longer matches


def test_filters_combine_with_status_kind_and_creation_dates(app: FastAPI, client: TestClient) -> None:
    old = create_run(client, name="old")
    new = create_run(client, name="new")
    create_run(client, name="finder", kind="lr_find")
    with app.state.engine.begin() as connection:
        connection.execute(text("UPDATE run SET created_at = '2024-01-01 12:00:00.000000' WHERE id = :id"), {"id": old["id"]})
        connection.execute(text("UPDATE run SET created_at = '2024-06-01 12:00:00.000000' WHERE id = :id"), {"id": new["id"]})
    client.post(f"/api/runs/{new['id']}/cancel")
    assert names(client, created_after="2024-03-01T00:00:00Z", created_before="2025-01-01T00:00:00Z") == ["new"]
    assert names(client, created_before="2024-01-01T13:00:00+01:00") == []  # 12:00 UTC is not before 12:00 UTC
    assert names(client, created_before="2024-01-01T14:00:00+01:00") == ["old"]
    assert names(client, status="cancelled") == ["new"]
    assert names(client, kind="lr_find") == ["finder"]
    assert names(client, kind="train", status="queued") == ["old"]


def test_sort_by_any_column_either_way_with_empty_values_last(app: FastAPI, client: TestClient) -> None:
    worker = register(client)
    trained(client, "slow", worker, test_acc=0.9, images_per_s=100.0)
    trained(client, "fast", worker, test_acc=0.5, images_per_s=900.0)
    create_run(client, name="queued")
    assert names(client, sort="-best_test_acc") == ["slow", "fast", "queued"]
    assert names(client, sort="best_test_acc") == ["fast", "slow", "queued"]
    assert names(client, sort="-images_per_s") == ["fast", "slow", "queued"]
    assert names(client, sort="name") == ["fast", "queued", "slow"]
    assert names(client, sort="-name") == ["slow", "queued", "fast"]
    assert names(client, sort="status") == ["queued", "fast", "slow"]  # ties: newest first
    assert names(client) == names(client, sort="-created_at") == ["queued", "fast", "slow"]
    with app.state.engine.begin() as connection:
        connection.execute(text("UPDATE run SET started_at = '2024-01-01 00:00:00', "
                                "finished_at = '2024-01-01 00:10:00' WHERE name = 'slow'"))
        connection.execute(text("UPDATE run SET started_at = '2024-01-01 00:00:00', "
                                "finished_at = '2024-01-01 00:00:30' WHERE name = 'fast'"))
    assert names(client, sort="duration") == ["fast", "slow", "queued"]
    assert names(client, sort="-duration") == ["slow", "fast", "queued"]


def test_model_and_dataset_sort_on_the_run_s_config(client: TestClient) -> None:
    create_run(client, name="r", model="resnet9")
    create_run(client, name="t", model="tutorial_cnn")
    assert names(client, sort="model") == ["r", "t"] and names(client, sort="-model") == ["t", "r"]
    assert names(client, sort="dataset") == ["t", "r"]  # same dataset: newest first


def test_an_unknown_sort_is_a_422_listing_the_valid_ones(client: TestClient) -> None:
    response = client.get("/api/runs", params={"sort": "colour"})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", "sort"] and all(name in error["msg"] for name in RUN_SORTS)
    assert client.get("/api/runs", params={"tag": "has space"}).status_code == 422


def test_pages_of_a_sorted_search_add_up_to_the_whole_list(client: TestClient) -> None:
    for i in range(7):
        tagged(client, f"run {i}", ["sweep"] if i % 2 == 0 else [])
    whole = names(client, tag="sweep", sort="name")
    pages = [client.get("/api/runs", params={"tag": "sweep", "sort": "name", "limit": 2, "offset": offset}).json()
             for offset in (0, 2)]
    assert whole == ["run 0", "run 2", "run 4", "run 6"]
    assert [run["name"] for page in pages for run in page["data"]] == whole
    assert {page["count"] for page in pages} == {4}


def test_export_is_the_filtered_sorted_list_as_csv_with_a_header_or_as_json(client: TestClient) -> None:
    kept = tagged(client, "=kept", ["aug", "baseline"])
    tagged(client, "other", ["aug"])
    tagged(client, "untagged", [])
    response = client.get("/api/runs/export", params={"format": "csv", "tag": "aug", "sort": "name"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == ["id", "name", "kind", "status", "model", "dataset", "preset", "tags", "best_test_acc",
                             "created_at", "finished_at"]
    assert [row["name"] for row in rows] == ["'=kept", "other"]  # a formula-looking name stays text
    assert rows[0]["id"] == str(kept["id"]) and rows[0]["tags"] == "aug baseline"
    assert rows[0]["model"] == "tutorial_cnn" and rows[0]["dataset"] == "synthetic" and rows[0]["finished_at"] == ""
    exported = client.get("/api/runs/export", params={"format": "json", "q": "untag"}).json()
    assert exported["count"] == 1 and exported["data"][0]["name"] == "untagged"
    assert exported["data"][0] == {**client.get(f"/api/runs/{exported['data'][0]['id']}").json(), "waiting": None}


@pytest.mark.parametrize("params", [{"sort": "bogus"}, {"format": "xml"}])
def test_a_bad_export_is_a_422(client: TestClient, params: dict[str, str]) -> None:
    assert client.get("/api/runs/export", params=params).status_code == 422
