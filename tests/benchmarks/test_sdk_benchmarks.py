"""The SDK benchmarks run end to end at a tiny size, and check what they claim: every point stored once."""

from __future__ import annotations

import pytest

from benchmarks import run_all, sdk_overhead, sdk_parallel


def test_sdk_overhead_measures_both_sides_and_every_point_arrives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdk_overhead, "QUICK_STEPS", 2_000)
    results = sdk_overhead.run(quick=True)  # raises if a point is missing or stored twice
    assert results["steps_per_side"] == 2_000 and results["points_stored"] == 4_000
    assert results["ingest_requests"] >= 1
    assert results["share_of_1ms_step"] == pytest.approx(results["log_call_us"] / 1000)
    assert run_all.table_rows("sdk_overhead", results)[0].benchmark == "SDK overhead"


def test_sdk_parallel_runs_every_script_and_checks_every_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sdk_parallel, "SCRIPTS", 3)
    monkeypatch.setattr(sdk_parallel, "QUICK_STEPS", 100)
    results = sdk_parallel.run(quick=True)
    assert results["first_error"] == ""
    assert results["scripts_with_errors"] == 0 and results["runs_wrong"] == 0
    assert results["points_stored"] == results["points_logged"] == 3 * 100 * 2
    assert results["meets_target"] is True
    assert "600 of 600 points" in run_all.table_rows("sdk_parallel", results)[0].result
