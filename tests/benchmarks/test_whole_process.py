"""The whole-process benchmark runs the CLI and the minimal script as processes, alternately, on one dataset."""

from __future__ import annotations

import pytest

from benchmarks import whole_process


def test_both_processes_train_and_the_ratio_pools_their_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(whole_process, "QUICK", {"train_limit": 64, "rounds": 1})
    results = whole_process.run(quick=True)  # raises if either process exits with an error
    assert len(results["trainer_s"]) == len(results["bare_s"]) == 1
    assert results["ratio"] == pytest.approx(results["bare_s"][0] / results["trainer_s"][0])
    assert results["overhead"] == pytest.approx(1 / results["ratio"] - 1)
