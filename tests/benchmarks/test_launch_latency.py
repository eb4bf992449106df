"""The launch-latency benchmark launches real runs on a real worker and reads each one's first loss point."""

from __future__ import annotations

import pytest

from benchmarks import launch_latency
from benchmarks.run_all import table_rows


def test_each_launch_is_running_before_its_first_loss_and_every_launch_is_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(launch_latency, "QUICK_LAUNCHES", 2)
    results = launch_latency.run(quick=True)
    assert results["launches"] == 2
    assert 0 < results["running_median_ms"] <= results["first_loss_median_ms"] <= results["first_loss_max_ms"]
    assert results["post_median_ms"] < results["running_median_ms"]
    # The log_every 10,000 case: its first loss points came from the time-based read, before the epoch's end.
    assert 0 < results["slow_first_step_median"] <= results["slow_first_step_max"] < results["slow_steps_per_epoch"]
    assert results["slow_running_median_ms"] <= results["slow_first_loss_median_ms"]
    rows = table_rows("launch_latency", results)
    assert [row.benchmark for row in rows] == ["launch latency", "first loss point at log_every 10,000"]
    assert all(row.result.startswith("median ") and row.status in ("met", "missed") for row in rows)
