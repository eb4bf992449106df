"""The storage benchmark posts a run to real servers on both databases and measures what its points took."""

from __future__ import annotations

import pytest

from benchmarks import storage_per_point


def test_every_point_is_stored_and_both_databases_grow_by_a_plausible_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage_per_point, "QUICK_STEPS", 2_000)
    results = storage_per_point.run(quick=True)  # raises if the run stored fewer loss points than were posted
    assert results["points"] == 4_000
    for database in ("sqlite", "postgresql"):
        # A point holds its run, event, name, step and value, and the index that reads series: tens of bytes.
        assert 20 < results[f"{database}_bytes_per_point"] < 1_000
        assert results[f"{database}_points_per_s"] > 0
