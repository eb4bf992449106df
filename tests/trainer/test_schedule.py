"""Per-step learning-rate schedules: cosine as torch's CosineAnnealingLR, one-cycle, step decay, warmup."""

from __future__ import annotations

import math

import pytest
import torch

from trainboard.trainer.config import TrainConfig
from trainboard.trainer.schedule import StepSchedule, lr_at


def _config(**fields) -> TrainConfig:
    return TrainConfig(dataset="synthetic", **fields)


def _optimizer(lr: float) -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=0.9)


def test_cosine_matches_torch_cosine_annealing_stepped_per_batch() -> None:
    config = _config(schedule="cosine", lr=5e-3)
    total, per_epoch = 240, 10
    reference_opt = _optimizer(config.lr)
    reference = torch.optim.lr_scheduler.CosineAnnealingLR(reference_opt, T_max=total)
    ours_opt = _optimizer(config.lr)
    ours = StepSchedule(ours_opt, total, per_epoch, config)
    for step in range(total):
        expected = reference_opt.param_groups[0]["lr"]
        assert lr_at(step, total, per_epoch, config) == pytest.approx(expected, rel=1e-9, abs=1e-15)
        assert ours.apply(step) == pytest.approx(expected, rel=1e-9, abs=1e-15)
        assert ours_opt.param_groups[0]["lr"] == pytest.approx(expected, rel=1e-9, abs=1e-15)
        reference_opt.step()
        ours_opt.step()
        reference.step()


@pytest.mark.parametrize("step", [0, 1, 60, 120, 180, 239])
def test_cosine_closed_form_values(step: int) -> None:
    config = _config(schedule="cosine", lr=0.1)
    assert lr_at(step, 240, 10, config) == pytest.approx(0.1 * (1 + math.cos(math.pi * step / 240)) / 2)


def test_cosine_starts_at_base_and_reaches_half_midway() -> None:
    config = _config(schedule="cosine", lr=0.2)
    assert lr_at(0, 100, 10, config) == pytest.approx(0.2)
    assert lr_at(50, 100, 10, config) == pytest.approx(0.1)
    assert lr_at(99, 100, 10, config) < 0.2 * 1e-3


def test_constant_is_base_lr_everywhere() -> None:
    config = _config(schedule="constant", lr=0.001)
    assert {lr_at(s, 50, 5, config) for s in range(50)} == {0.001}


def test_onecycle_rises_linearly_for_a_quarter_then_falls_to_zero() -> None:
    config = _config(schedule="onecycle", lr=0.4)
    total = 100  # rise over the first 25 steps
    lrs = [lr_at(s, total, 10, config) for s in range(total)]
    assert lrs[0] == pytest.approx(0.4 / 25)
    assert lrs[24] == pytest.approx(0.4)
    assert max(lrs) == pytest.approx(0.4)
    assert all(b > a for a, b in zip(lrs[:24], lrs[1:25]))
    assert all(b < a for a, b in zip(lrs[25:], lrs[26:]))
    assert lrs[-1] == pytest.approx(0.4 / 75)
    # Linear: equal differences on each side of the peak.
    assert lrs[10] - lrs[9] == pytest.approx(lrs[20] - lrs[19])
    assert lrs[40] - lrs[41] == pytest.approx(lrs[80] - lrs[81])


def test_onecycle_uses_warmup_epochs_as_rise_when_given() -> None:
    config = _config(schedule="onecycle", lr=1.0, warmup_epochs=2)
    lrs = [lr_at(s, 100, 10, config) for s in range(100)]
    assert lrs.index(max(lrs)) == 19


def test_step_decay_every_step_size_epochs() -> None:
    config = _config(schedule="step", lr=1.0, step_size_epochs=2, step_gamma=0.5)
    per_epoch = 10
    assert lr_at(0, 60, per_epoch, config) == 1.0
    assert lr_at(19, 60, per_epoch, config) == 1.0
    assert lr_at(20, 60, per_epoch, config) == 0.5
    assert lr_at(45, 60, per_epoch, config) == 0.25


def test_linear_warmup_then_cosine_over_the_rest() -> None:
    config = _config(schedule="cosine", lr=0.1, warmup_epochs=1)
    per_epoch, total = 10, 110
    assert [lr_at(s, total, per_epoch, config) for s in range(3)] == pytest.approx([0.01, 0.02, 0.03])
    assert lr_at(9, total, per_epoch, config) == pytest.approx(0.1)
    assert lr_at(10, total, per_epoch, config) == pytest.approx(0.1)
    assert lr_at(60, total, per_epoch, config) == pytest.approx(0.05)


def test_step_schedule_sets_lr_at_on_every_group_for_every_schedule() -> None:
    for schedule in ("constant", "cosine", "onecycle", "step"):
        config = _config(schedule=schedule, lr=0.3, warmup_epochs=0.5, step_size_epochs=1)
        groups = [{"params": [torch.nn.Parameter(torch.zeros(1))]}, {"params": [torch.nn.Parameter(torch.zeros(1))]}]
        optimizer = torch.optim.SGD(groups, lr=config.lr, momentum=0.9)
        stepper = StepSchedule(optimizer, 40, 8, config)
        for step in range(40):
            expected = lr_at(step, 40, 8, config)
            assert stepper.apply(step) == expected
            assert [g["lr"] for g in optimizer.param_groups] == [expected, expected], (schedule, step)
            optimizer.step()


def test_step_schedule_overrides_an_lr_restored_from_a_checkpoint() -> None:
    config = _config(schedule="cosine", lr=0.1)
    optimizer = _optimizer(config.lr)
    optimizer.param_groups[0]["lr"] = 123.0  # what a loaded optimizer state could hold
    StepSchedule(optimizer, 100, 10, config).apply(50)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(lr_at(50, 100, 10, config))
