"""End-to-end fixtures: every server and worker a test starts is stopped when it ends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.cluster import Cluster


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """Start servers and workers on demand; all are stopped at teardown."""
    started = Cluster(tmp_path)
    try:
        yield started
    finally:
        started.close()
