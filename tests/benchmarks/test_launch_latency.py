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
    [row] = table_rows("launch_latency", results)
    assert row.result.startswith("median ") and row.status in ("met", "missed")
