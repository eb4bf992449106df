"""The divergence watchdog: a blown-up run ends `diverged` with its checkpoint from before, or warns and goes on."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import torch

from trainboard.trainer.checkpoint import load_checkpoint
from trainboard.trainer.config import TrainConfig
from trainboard.trainer.sink import RecordingSink
from trainboard.trainer.train import Trainer, TrainingDivergedError
from trainboard.trainer.watchdog import WARMUP_STEPS, Watchdog

pytestmark = pytest.mark.usefixtures("one_thread")

SPIKE_LR = 1e6  # no network trains at this lr: one update throws its weights far off


def _config(**fields: Any) -> TrainConfig:
    base = dict(dataset="synthetic", device="cpu", train_limit=256, test_limit=128, epochs=3, batch_size=32,
                lr=0.01, log_every=2)
    return TrainConfig(**{**base, **fields})


def _with_lr_spike(trainer: Trainer, first: int, last: int) -> Trainer:
    """Make updates first..last (0-based) use SPIKE_LR: what a bad schedule or a far too large lr does."""
    apply = trainer.schedule.apply

    def spiking(step: int) -> float:
        lr = apply(step)
        if first <= step <= last:
            for group in trainer.optimizer.param_groups:
                group["lr"] = SPIKE_LR
            return SPIKE_LR
        return lr

    trainer.schedule.apply = spiking  # type: ignore[method-assign]
    return trainer


def test_an_lr_spike_ends_the_run_diverged_keeping_the_checkpoint_from_before_it(
    synthetic_data: Any, tmp_path: Path
) -> None:
    sink = RecordingSink()
    trainer = _with_lr_spike(Trainer(_config(), sink, data=synthetic_data, out_dir=tmp_path), 10, 10**9)
    with pytest.raises(TrainingDivergedError, match="training diverged") as raised:
        trainer.run()
    assert "lr 1e+06" in str(raised.value) and "last checkpoint before it is kept" in str(raised.value)
    assert sink.summary is None  # no end: the run did not finish
    # 8 steps per epoch; the spike starts at update 11 (epoch 2): the checkpoint is epoch 1's, step 8.
    assert [epoch for _, epoch in sink.checkpoints] == [1]
    fresh = Trainer(_config(), RecordingSink(), data=synthetic_data)
    state = load_checkpoint(tmp_path / sink.checkpoints[0][0].name, model=fresh.model, optimizer=fresh.optimizer)
    assert (state.epoch, state.global_step) == (1, 8)
    assert all(torch.isfinite(p).all() for p in fresh.model.parameters())
    # The loss points after the spike were still sent: the chart shows the blow-up that stopped the run.
    assert max(p.step for p in sink.points if p.name == "loss") > 10


def test_a_warn_watchdog_logs_the_divergence_and_trains_on(synthetic_data: Any, tmp_path: Path) -> None:
    sink = RecordingSink()
    config = _config(watchdog="warn")
    trainer = _with_lr_spike(Trainer(config, sink, data=synthetic_data, out_dir=tmp_path), 10, 11)
    summary = trainer.run()
    assert summary["global_step"] == 24 and summary["epochs_completed"] == 3
    warnings = [message for level, message in sink.logs if level == "warning" and "watchdog" in message]
    assert warnings and "training on (watchdog=warn)" in warnings[0]
    assert summary["diverged"] is not None and "step" in summary["diverged"]
    assert [epoch for _, epoch in sink.checkpoints] == [1, 2, 3]


def test_a_run_from_an_lr_suggestion_says_so_when_it_diverges(synthetic_data: Any) -> None:
    suggestion = "steepest suggestion of LR range test #7 (lr 0.01)"
    trainer = _with_lr_spike(Trainer(_config(lr_suggestion=suggestion), RecordingSink(), data=synthetic_data), 3, 99)
    with pytest.raises(TrainingDivergedError, match=r"the lr is the steepest suggestion of LR range test #7"):
        trainer.run()


def test_a_healthy_run_is_not_stopped(synthetic_data: Any) -> None:
    sink = RecordingSink()
    summary = Trainer(_config(epochs=2, log_every=1), sink, data=synthetic_data).run()
    assert summary["diverged"] is None and summary["test_accuracy"] is not None
    assert not [m for _, m in sink.logs if "watchdog" in m]


# --- the rules, on plain numbers ------------------------------------------------------------------------

def _feed(dog: Watchdog, losses: list[float], start: int = 1) -> str | None:
    return dog.check(list(range(start, start + len(losses))), losses, None)


def test_a_non_finite_loss_is_divergence_at_once() -> None:
    assert _feed(Watchdog(None, None), [2.0, math.nan]) == "loss is nan at step 2"
    assert _feed(Watchdog(None, None), [math.inf]) == "loss is inf at step 1"


def test_the_smoothed_loss_rule_needs_both_k_times_the_best_and_more_than_the_start() -> None:
    dog = Watchdog(loss_factor=4, grad_factor=None)
    assert _feed(dog, [2.0] * WARMUP_STEPS + [0.1] * 300) is None  # learned: the best is about 0.1
    # Back up to 1.5: above 4 x the best but below the start (2.0): a bad stretch, not a blow-up.
    assert _feed(dog, [1.5] * 300, start=1000) is None
    reason = _feed(dog, [50.0] * 20, start=2000)
    assert reason is not None and "above 4 x its best" in reason


def test_the_loss_rule_is_off_without_a_factor() -> None:
    dog = Watchdog(loss_factor=None, grad_factor=None)
    assert _feed(dog, [2.0] * WARMUP_STEPS + [0.1] * 300 + [1e6] * 100) is None


def test_a_gradient_norm_far_above_its_median_is_divergence() -> None:
    dog = Watchdog(loss_factor=None, grad_factor=100)
    for step, norm in enumerate([1.0, 2.0, 0.5, 50.0], start=1):  # 50 x the median: noisy, not blown up
        assert dog.check([step], [1.0], norm) is None
    reason = dog.check([5], [1.0], 500.0)
    assert reason is not None and "gradient norm 500 at step 5" in reason
    assert dog.check([6], [1.0], math.nan) == "gradient norm is nan at step 6"
