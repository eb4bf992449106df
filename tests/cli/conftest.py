"""Fixtures of the CLI tests that talk to a real server: one server per module, or a cluster per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.backend.backend_server import ServerProcess
from tests.e2e.conftest import cluster  # noqa: F401  (servers and workers per test, stopped at teardown)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One real server for the module's tests."""
    process = ServerProcess(tmp_path_factory.mktemp("cli-server")).start()
    yield process
    process.stop()
