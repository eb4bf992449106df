"""Backend fixtures: a fresh database per test (SQLite file, or PostgreSQL), the app on it, and a client."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():
    # Starlette suggests the httpx2 fork for its TestClient; plain httpx is what the project depends on.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from backend_api import JSON
from backend_fixtures import drop_fresh_databases, make_settings

from trainboard.backend.app import create_app
from trainboard.backend.settings import Settings


@pytest.fixture(autouse=True)
def _fresh_databases_dropped() -> Iterator[None]:
    """Drop the PostgreSQL databases a test made, after everything else of the test is torn down."""
    yield
    drop_fresh_databases()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a fresh database."""
    return make_settings(tmp_path)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    """The app on the test's own database."""
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An httpx client bound to the app (lifespan included)."""
    with TestClient(app, headers=JSON) as test_client:
        yield test_client
