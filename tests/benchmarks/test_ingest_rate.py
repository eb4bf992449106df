"""The ingest-rate benchmark runs end to end on both databases, at a tiny size."""

from __future__ import annotations

import pytest

from benchmarks import ingest_rate


def test_ingest_rate_measures_both_databases_and_checks_every_point_was_stored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ingest_rate, "WORKERS", 2)
    monkeypatch.setattr(ingest_rate, "QUICK_BATCHES", 2)
    results = ingest_rate.run(quick=True)  # raises if a run stored fewer points than were posted
    assert results["workers"] == 2 and results["batches_per_worker"] == 2 and results["points_per_batch"] == 500
    assert results["sqlite_points_per_s"] > 0 and results["postgresql_points_per_s"] > 0
    ratio = results["postgresql_points_per_s"] / results["sqlite_points_per_s"]
    assert results["postgresql_vs_sqlite"] == pytest.approx(ratio)
    assert 0 < results["sqlite_batch_p50_ms"] <= results["sqlite_batch_max_ms"]
