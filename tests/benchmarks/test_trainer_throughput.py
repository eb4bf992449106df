"""The trainer-throughput benchmark times the same steps on both sides and never times evaluation."""

from __future__ import annotations

import pytest
import torch

from benchmarks.trainer_throughput import (
    Case, TimingSink, case_config, cases, measure, random_images, trainer_rate,
)
from worker.trainer.train import Trainer

pytestmark = pytest.mark.usefixtures("one_thread")

TINY = Case(preset="origin-2ep", model="tutorial_cnn", batch_size=4, device="cpu", warmup_steps=2, steps=6, rounds=2)


def test_measures_both_sides_alternately_and_reports_the_best_of_each() -> None:
    result = measure(TINY)
    assert len(result["trainer_runs"]) == len(result["bare_runs"]) == TINY.rounds
    assert result["trainer_images_per_s"] == max(result["trainer_runs"]) > 0
    assert result["bare_images_per_s"] == max(result["bare_runs"]) > 0
    assert result["ratio"] == pytest.approx(result["trainer_images_per_s"] / result["bare_images_per_s"])
    assert (result["model"], result["batch_size"], result["device"]) == ("tutorial_cnn", 4, "cpu")


def test_trainer_stops_after_the_timed_steps_before_any_evaluation() -> None:
    data = random_images(TINY)
    assert data.train_x.shape[0] == (TINY.warmup_steps + TINY.steps) * TINY.batch_size  # one epoch = the measurement
    sink = TimingSink(device=torch.device("cpu"), warmup_steps=TINY.warmup_steps,
                      last_step=TINY.warmup_steps + TINY.steps)
    summary = Trainer(case_config(TINY), sink, data=data).run()
    assert summary["stopped"] and summary["global_step"] == TINY.warmup_steps + TINY.steps
    assert sink.clock_started is not None
    # No test evaluation, feature maps or confusion matrix: the epoch end was never reached.
    assert not {"confusion", "feature_maps", "result"} & set(sink.artifacts)
    assert not [p for p in sink.points if p.name.startswith("test_")]
    assert trainer_rate(TINY, data) > 0


def test_cases_cover_both_seed_models_on_each_device() -> None:
    found = cases(quick=True, devices=["cpu"])
    assert {(c.model, c.batch_size) for c in found} == {("tutorial_cnn", 4), ("seed_resnet", 64)}
    assert all(c.warmup_steps > 0 and c.steps > 0 and c.rounds >= 2 for c in found)

