"""Metric reads: downsampling that keeps spikes, filters, CSV export, and the last_event_id they are complete to."""

from __future__ import annotations

import csv
import io
import random

from backend_api import claim, create_run, ingest, metrics_event, register
from fastapi.testclient import TestClient

from trainboard.backend.services.downsample import downsample_min_max


def test_downsampling_keeps_a_one_step_spike_and_dip() -> None:
    rng = random.Random(0)
    steps = list(range(1, 10_001))
    values: list[float | None] = [1.0 + 0.01 * rng.random() for _ in steps]
    values[6_543] = 50.0  # a loss blow-up at one step
    values[2_222] = -3.0
    kept_steps, kept_values = downsample_min_max(steps, values, 100)
    assert len(kept_steps) <= 100
    assert (6_544, 50.0) in zip(kept_steps, kept_values, strict=True) and (2_223, -3.0) in zip(
        kept_steps, kept_values, strict=True
    )
    assert kept_steps == sorted(kept_steps)


def test_downsampling_leaves_short_series_alone_and_keeps_nulls_visible() -> None:
    assert downsample_min_max([1, 2, 3], [0.5, None, 0.2], 10) == ([1, 2, 3], [0.5, None, 0.2])
    steps = list(range(100))
    values: list[float | None] = [None] * 50 + [1.0] * 50
    kept_steps, kept_values = downsample_min_max(steps, values, 10)
    assert None in kept_values and len(kept_steps) <= 10


def _run_with_points(client: TestClient) -> tuple[int, int]:
    run = create_run(client)["id"]
    worker = register(client)
    claim(client, worker)
    spiky = {"seq": 2, "type": "metrics", "points": [{"name": "lr", "step": s, "value": 0.1} for s in range(1, 2001)]}
    loss = metrics_event(1, range(1, 2001))
    loss["points"][1233]["value"] = 99.0
    ingest(client, run, worker, [loss, spiky])
    epochs = {
        "seq": 3,
        "type": "metrics",
        "points": [{"name": "test_acc", "step": 1, "value": 0.5}, {"name": "test_acc", "step": 2, "value": 0.625}],
    }
    ingest(client, run, worker, [epochs])
    return run, worker


def test_max_points_downsamples_each_series_on_the_server(client: TestClient) -> None:
    run, _ = _run_with_points(client)
    body = client.get(f"/api/runs/{run}/metrics", params={"max_points": 50}).json()
    loss = body["series"]["loss"]
    assert loss["total"] == 2000 and len(loss["steps"]) <= 50
    assert 99.0 in loss["values"] and loss["steps"][loss["values"].index(99.0)] == 1234
    assert body["series"]["test_acc"]["steps"] == [1, 2]
    assert body["last_event_id"] == client.get(f"/api/runs/{run}").json()["last_event_id"]


def test_names_and_since_filter_the_series(client: TestClient) -> None:
    run, _ = _run_with_points(client)
    body = client.get(f"/api/runs/{run}/metrics", params={"names": "loss,test_acc", "since": 1995}).json()
    assert set(body["series"]) == {"loss", "test_acc"}
    assert body["series"]["loss"]["steps"] == [1996, 1997, 1998, 1999, 2000]
    assert body["series"]["test_acc"]["steps"] == []  # asked for, nothing after step 1995
    assert client.get(f"/api/runs/{run}/metrics", params={"max_points": 1}).status_code == 422


def test_csv_export_has_one_row_per_point(client: TestClient) -> None:
    run, _ = _run_with_points(client)
    response = client.get(f"/api/runs/{run}/metrics", params={"format": "csv", "names": "test_acc"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert f"run-{run}-metrics.csv" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [["name", "step", "value"], ["test_acc", "1", "0.5"], ["test_acc", "2", "0.625"]]
    everything = client.get(f"/api/runs/{run}/metrics", params={"format": "csv"}).text.strip().splitlines()
    assert len(everything) == 1 + 2000 + 2000 + 2


def test_metrics_carry_the_event_id_to_subscribe_from(client: TestClient) -> None:
    run = create_run(client)["id"]
    worker = register(client)
    claim(client, worker)
    before = client.get(f"/api/runs/{run}/metrics").json()
    assert before["series"] == {}
    ingest(client, run, worker, [metrics_event(1, range(1, 4))])
    after = client.get(f"/api/runs/{run}/metrics").json()
    assert after["last_event_id"] > before["last_event_id"]
    assert after["series"]["loss"]["steps"] == [1, 2, 3]
