"""The trainer-throughput benchmark times the same steps on both sides and never times evaluation."""

from __future__ import annotations

import pytest
import torch

from benchmarks.trainer_throughput import (
    BareLoop,
    Case,
    InterleavingSink,
    TimingSink,
    aa_seconds,
    case_config,
    cases,
    measure,
    measure_alternating,
    random_images,
    trainer_rate,
)
from trainboard.trainer.train import Trainer

pytestmark = pytest.mark.usefixtures("one_thread")

TINY = Case(preset="origin-2ep", model="tutorial_cnn", batch_size=4, device="cpu", warmup_steps=2, steps=6, rounds=2)


def test_interleaved_measurement_pools_its_rounds_and_reports_the_aa_floor() -> None:
    result = measure(TINY)
    assert result["method"] == "interleaved"
    assert len(result["round_ratios"]) == TINY.rounds and all(r > 0 for r in result["round_ratios"])
    assert result["ratio"] == pytest.approx(result["trainer_images_per_s"] / result["bare_images_per_s"])
    assert result["aa_ratio"] > 0
    assert (result["model"], result["batch_size"], result["device"]) == ("tutorial_cnn", 4, "cpu")


def test_interleaving_sink_runs_one_bare_step_per_trainer_step_and_times_only_the_timed_ones() -> None:
    data = random_images(TINY)
    assert data.train_x.shape[0] == (TINY.warmup_steps + TINY.steps) * TINY.batch_size  # one epoch = the measurement
    bare = BareLoop(TINY, data)
    bare_steps = []
    original_step = bare.step
    bare.step = lambda: (bare_steps.append(1), original_step())  # type: ignore[method-assign]
    sink = InterleavingSink(bare, TINY.warmup_steps, TINY.warmup_steps + TINY.steps)
    summary = Trainer(case_config(TINY), sink, data=data).run()
    assert summary["stopped"] and summary["global_step"] == sink.steps == TINY.warmup_steps + TINY.steps
    assert len(bare_steps) == summary["global_step"]
    assert sink.trainer_seconds > 0 and sink.bare_seconds > 0
    # No test evaluation, feature maps or confusion matrix: the epoch end was never reached.
    assert not {"confusion", "feature_maps", "result"} & set(sink.artifacts)
    assert not [p for p in sink.points if p.name.startswith("test_")]


def test_aa_harness_times_a_bare_loop_on_both_sides() -> None:
    trainer_side, bare_side = aa_seconds(TINY, random_images(TINY))
    assert trainer_side > 0 and bare_side > 0


def test_alternating_measurement_reports_the_best_of_each_side() -> None:
    result = measure_alternating(TINY)  # the CUDA method; it runs on the CPU too
    assert len(result["trainer_runs"]) == len(result["bare_runs"]) == TINY.rounds
    assert result["trainer_images_per_s"] == max(result["trainer_runs"]) > 0
    assert result["bare_images_per_s"] == max(result["bare_runs"]) > 0
    assert result["ratio"] == pytest.approx(result["trainer_images_per_s"] / result["bare_images_per_s"])


def test_timing_sink_starts_the_clock_after_the_warmup_and_stops_after_the_timed_steps() -> None:
    data = random_images(TINY)
    sink = TimingSink(device=torch.device("cpu"), warmup_steps=TINY.warmup_steps,
                      last_step=TINY.warmup_steps + TINY.steps)
    summary = Trainer(case_config(TINY), sink, data=data).run()
    assert summary["stopped"] and summary["global_step"] == TINY.warmup_steps + TINY.steps
    assert sink.clock_started is not None
    assert trainer_rate(TINY, data) > 0


def test_cases_cover_both_seed_models_on_each_device() -> None:
    found = cases(quick=True, devices=["cpu"])
    assert {(c.model, c.batch_size) for c in found} == {("tutorial_cnn", 4), ("seed_resnet", 64)}
    assert all(c.warmup_steps > 0 and c.steps > 0 and c.rounds >= 2 and c.interleaved for c in found)
