"""The page-load benchmark's results become one table row per page, each judged against the target."""

from __future__ import annotations

from benchmarks.run_all import table_rows


def test_each_page_gets_a_row_marked_met_or_missed_against_the_target() -> None:
    results = {
        "loss_points": 100_000, "runs": 1_000, "tries": 3, "target_s": 1.0, "meets_target": False,
        "run_page_s": 1.25, "run_page_median_s": 1.4, "runs_page_s": 0.31, "runs_page_median_s": 0.35,
    }
    rows = table_rows("page_load", results)
    assert [(r.result, r.target, r.status) for r in rows] == [
        ("1.250 s (median 1.400 s)", "< 1 s", "missed"),
        ("0.310 s (median 0.350 s)", "< 1 s", "met"),
    ]
    assert "100,000 loss points" in rows[0].measure and "1,000 runs" in rows[1].measure
    assert all("best of 3" in r.measure for r in rows)



def test_the_filtered_runs_page_with_10000_runs_gets_its_own_row() -> None:
    results = {
        "loss_points": 100_000, "runs": 1_000, "tries": 3, "target_s": 1.0, "meets_target": True,
        "run_page_s": 0.5, "run_page_median_s": 0.6, "runs_page_s": 0.3, "runs_page_median_s": 0.35,
        "many_runs": 10_000, "filtered_page": "/?tag=sweep&sort=-best_test_acc",
        "filtered_runs_page_s": 0.42, "filtered_runs_page_median_s": 0.45,
    }
    rows = table_rows("page_load", results)
    assert len(rows) == 3
    assert "10,000 runs" in rows[2].measure and "sort=-best_test_acc" in rows[2].measure
    assert (rows[2].result, rows[2].status) == ("0.420 s (median 0.450 s)", "met")
