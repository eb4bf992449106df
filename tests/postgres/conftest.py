"""PostgreSQL for this folder's tests: TRAINBOARD_TEST_POSTGRES_URL's server, or a private one for the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres.pg_cluster import PostgresServer, admin_url_from_env, create_database, drop_database


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """An admin URL: the one in TRAINBOARD_TEST_POSTGRES_URL, else a server started here (initdb, about 2 s)."""
    from_env = admin_url_from_env()
    if from_env is not None:
        yield from_env
        return
    server = PostgresServer().start()
    try:
        yield server.admin_url
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty database for one test, dropped after it."""
    url = create_database(postgres_admin_url)
    yield url
    drop_database(postgres_admin_url, url)
