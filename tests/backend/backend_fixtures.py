"""Settings for backend tests: everything under one temporary folder; the database there, or on PostgreSQL.

With TRAINBOARD_TEST_POSTGRES_URL set (see tests/postgres/pg_cluster.py), every database is a fresh
PostgreSQL database instead of an SQLite file, and the conftest drops it when the test ends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.postgres.pg_cluster import admin_url_from_env, create_database, drop_database
from trainboard.backend.settings import Settings, sqlite_url

_databases: list[str] = []  # PostgreSQL databases made for the running test


def backend_name() -> str:
    """The database the suite runs on: "postgresql" or "sqlite"."""
    return "postgresql" if admin_url_from_env() else "sqlite"


def fresh_database_url(folder: Path, file_name: str = "trainboard.db") -> str:
    """A new empty database: an SQLite file in `folder`, or a PostgreSQL database dropped after the test."""
    admin_url = admin_url_from_env()
    if admin_url is None:
        return sqlite_url(folder / file_name)
    url = create_database(admin_url)
    _databases.append(url)
    return url


def drop_fresh_databases() -> None:
    """Drop the PostgreSQL databases made since the last call (their connections are ended)."""
    admin_url = admin_url_from_env()
    while _databases:
        url = _databases.pop()
        if admin_url is not None:
            drop_database(admin_url, url)


def make_settings(folder: Path, **overrides: Any) -> Settings:
    """Settings whose database is fresh and whose artifacts and data live in `folder`; keyword overrides win."""
    base = Settings(
        database_url=overrides.pop("database_url", None) or fresh_database_url(folder),
        artifact_dir=folder / "artifacts",
        data_dir=folder / "data",
        allowed_hosts=("localhost", "127.0.0.1", "testserver"),  # testserver: the TestClient's Host
    )
    return base.model_copy(update=overrides)
