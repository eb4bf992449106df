"""Presets, models and datasets as the API lists them."""

from __future__ import annotations

from pathlib import Path

from backend_api import JSON
from backend_fixtures import backend_name, make_settings
from fastapi.testclient import TestClient

from trainboard.backend.app import create_app
from trainboard.backend.migrations import MIGRATIONS
from trainboard.trainer.config import MODEL_NAMES
from trainboard.trainer.models import describe_models
from trainboard.trainer.presets import PRESETS


def test_presets_are_listed_with_their_fields(client: TestClient) -> None:
    presets = {p["name"]: p for p in client.get("/api/presets").json()["data"]}
    assert list(presets) == list(PRESETS)
    assert presets["resnet-lrfind"]["kind"] == "lr_find"
    assert presets["origin-2ep"]["reference_test_accuracy"] == 53.0
    assert presets["origin-2ep"]["reference_per_class"]["ship"] == 80


def test_models_come_from_the_registry_table_without_building_them(client: TestClient) -> None:
    # tests/trainer/test_models.py checks the registry's counts against the built networks.
    listed = {m["name"]: m["parameters"] for m in client.get("/api/models").json()["data"]}
    assert listed == {m["name"]: m["parameters"] for m in describe_models()}
    assert set(listed) == set(MODEL_NAMES) and listed["tutorial_cnn"] == 62_006


def test_datasets_report_what_is_in_the_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "cifar-10-batches-py").mkdir(parents=True)
    for name in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch", "batches.meta"]:
        (data_dir / "cifar-10-batches-py" / name).write_bytes(b"")
    with TestClient(create_app(make_settings(tmp_path, data_dir=data_dir)), headers=JSON) as client:
        datasets = {d["name"]: d for d in client.get("/api/datasets").json()["data"]}
    assert datasets["cifar10"]["status"] == "present" and datasets["cifar10"]["train_size"] == 50_000
    assert datasets["synthetic"]["status"] == "present"
    assert datasets["fashion-mnist"]["status"] in ("present", "missing") and datasets["fashion-mnist"]["how"]


def test_health_names_the_database_and_its_schema_version(client: TestClient) -> None:
    assert client.get("/api/health").json() == {
        "status": "ok",
        "version": "0.1.0",
        "database": backend_name(),  # "sqlite" or "postgresql", whichever the suite runs on
        "schema_version": max(m.version for m in MIGRATIONS),
    }


def test_pages_and_plotly_are_served(client: TestClient) -> None:
    index = client.get("/")
    assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
    assert client.get("/runs/5").text == index.text and client.get("/compare").text == index.text
    plotly = client.get("/static/plotly.min.js")
    assert plotly.status_code == 200 and len(plotly.content) > 1_000_000
    assert client.get("/static/css/app.css").status_code == 200
