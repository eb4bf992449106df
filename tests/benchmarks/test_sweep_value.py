"""The sweep-value benchmark: both searches spend the same budget of trial-epochs; pruning tries more trials."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.run_all import table_rows
from benchmarks.sweep_value import run

pytestmark = pytest.mark.usefixtures("one_thread")

TINY = {"dataset": "synthetic", "train_limit": 256, "test_limit": 128, "epochs": 3, "trials": 3, "seeds": 1}


def test_both_searches_spend_the_budget_and_the_row_reports_them(synthetic_data: Any) -> None:
    results = run(quick=True, plan=TINY, data=synthetic_data)
    (seed,) = results["seeds"]
    budget = results["budget_trial_epochs"]
    assert budget == 9
    random_search, tpe_asha = seed["random"], seed["tpe_asha"]
    assert random_search["trials"] == 3 and random_search["pruned"] == 0 and random_search["trial_epochs"] == 9
    # Pruned trials end early, so the same budget buys at least as many trials; the last may overrun it by < 1 trial.
    assert budget <= tpe_asha["trial_epochs"] < budget + TINY["epochs"]
    assert tpe_asha["trials"] >= 3 and tpe_asha["trials"] - tpe_asha["pruned"] >= 1  # the first is never pruned
    for search in (random_search, tpe_asha):
        assert 0 < search["best_test_acc"] <= 1 and search["seconds"] > 0
        assert [best for _, _, best in search["history"]] == sorted(best for _, _, best in search["history"])
        assert [spent for _, spent, _ in search["history"]] == sorted(spent for _, spent, _ in search["history"])
    assert random_search["seconds_to_random_best"] is not None  # it reaches its own best
    assert 0 < random_search["trial_epochs_to_random_best"] <= 9
    (row,) = table_rows("sweep_value", results)
    assert row.benchmark == "sweep value" and "random search (no pruning) / TPE + ASHA" in row.measure
    assert row.status in ("met", "missed")
