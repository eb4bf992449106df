"""The step window is read on time whatever log_every says, the page is told what a starting run is doing,
and the time left is a smoothed rate that counts the evaluations."""

from __future__ import annotations

from typing import Any

import pytest

from tests.trainer.device_reads import counted_device_reads
from trainboard.trainer.config import TrainConfig
from trainboard.trainer.eta import EtaEstimator
from trainboard.trainer.sink import MetricPoint, RecordingSink
from trainboard.trainer.train import Trainer, train

pytestmark = pytest.mark.usefixtures("one_thread")


def _config(**fields: Any) -> TrainConfig:
    base = dict(dataset="synthetic", device="cpu", train_limit=256, test_limit=128, epochs=2, batch_size=32,
                lr=0.01, log_every=100_000)
    return TrainConfig(**{**base, **fields})


class LossCalls(RecordingSink):
    """Records, besides everything, the steps of the loss points of each on_metrics call."""

    def __init__(self) -> None:
        super().__init__()
        self.loss_calls: list[list[int]] = []

    def on_metrics(self, points: list[MetricPoint]) -> None:
        steps = [p.step for p in points if p.name == "loss"]
        if steps:
            self.loss_calls.append(steps)
        super().on_metrics(points)


def test_the_window_is_read_after_a_second_even_when_log_every_is_huge(
    synthetic_data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fake host clock on which every training step takes a quarter of log_every_s (a second by default): the
    # window must be read after every 4th step although log_every (100,000) is never reached, and only then.
    sink = LossCalls()
    trainer = Trainer(_config(), sink, data=synthetic_data)
    assert trainer.config.log_every_s == 1.0
    trainer.clock = lambda: trainer.global_step * trainer.config.log_every_s / 4
    with counted_device_reads(monkeypatch) as reads:
        summary = trainer.run()
    assert summary["global_step"] == 16  # 8 steps per epoch
    assert sink.loss_calls == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]
    assert reads == ["tolist"] * 4  # one transfer per read of the window, none per step


def test_with_a_still_clock_only_log_every_and_the_epoch_end_read_the_window(
    synthetic_data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = LossCalls()
    trainer = Trainer(_config(log_every=5), sink, data=synthetic_data)
    trainer.clock = lambda: 0.0
    with counted_device_reads(monkeypatch) as reads:
        trainer.run()
    assert sink.loss_calls == [[1, 2, 3, 4, 5], [6, 7, 8], [9, 10], [11, 12, 13, 14, 15], [16]]
    assert reads == ["tolist"] * 5


def test_a_starting_run_says_it_loads_the_data_builds_the_model_and_when_it_first_evaluates() -> None:
    sink = RecordingSink()
    train(_config(epochs=1, log_every=4), sink)  # no data given: the trainer loads the dataset itself
    phases = [p.phase for p in sink.progress]
    assert phases[:2] == ["loading synthetic", "building tutorial_cnn"]
    assert [(p.step, p.total_steps) for p in sink.progress[:2]] == [(0, 0), (0, 0)]
    assert phases[2] == "first epoch: evaluation after 8 steps"
    assert "evaluating on 128 test images" in phases
    assert phases[-1] == "final evaluation on 256 training images"


def test_the_first_evaluation_of_a_run_evaluating_every_other_epoch_is_announced_with_its_step(
    synthetic_data: Any,
) -> None:
    sink = RecordingSink()
    train(_config(epochs=3, eval_every=2, log_every=4), sink, data=synthetic_data)
    training = [p for p in sink.progress if p.total_steps and p.phase and p.phase.startswith("first")]
    assert {p.phase for p in training} == {"first evaluation after 16 steps (epoch 2)"}
    assert max(p.step for p in training) == 16


def test_every_progress_report_of_a_training_run_has_a_time_left(synthetic_data: Any) -> None:
    sink = RecordingSink()
    train(_config(log_every=4), sink, data=synthetic_data)
    counted = [p for p in sink.progress if p.total_steps]
    assert counted and all(p.eta_s is not None and p.eta_s >= 0 for p in counted)
    assert counted[-1].eta_s < counted[0].eta_s


def _estimator() -> EtaEstimator:
    return EtaEstimator(steps_per_epoch=100, epochs=2, eval_every=1, batch_size=10, test_images=1000,
                        train_images=2000)


def test_time_left_counts_the_evaluations_still_to_come() -> None:
    eta = _estimator()
    assert eta.seconds_left(0) is None  # no window read yet
    eta.add_window(10, 1.0)  # 0.1 s per step, 0.01 s per training image
    # 200 steps x 0.1 s, plus two test passes and the final pass over the training images at a third of a
    # training image's time each: 4,000 images x 0.01 / 3 s.
    assert eta.seconds_left(0) == pytest.approx(20 + 4000 * 0.01 / 3)
    eta.add_evaluation(1000, 5.0)  # measured: 5 ms per evaluated image
    assert eta.seconds_left(100) == pytest.approx(100 * 0.1 + 4000 * 0.005)  # epoch 1's evaluation is still due
    assert eta.seconds_left(101) == pytest.approx(99 * 0.1 + 3000 * 0.005)
    assert eta.seconds_left(200) == pytest.approx(3000 * 0.005)


def test_the_rate_is_smoothed_and_the_slow_first_window_does_not_count() -> None:
    eta = _estimator()
    eta.add_window(1, 5.0)  # the first step: warm-up, 50 x slower than the rest
    assert eta.seconds_per_step == pytest.approx(5.0)  # the only measure so far
    eta.add_window(10, 1.0)
    assert eta.seconds_per_step == pytest.approx(0.1)
    eta.add_window(5, 1.0)  # one slow second (0.2 s per step) moves the rate a little, not all the way
    assert eta.seconds_per_step is not None and 0.1 < eta.seconds_per_step < 0.12
    for _ in range(60):  # a minute at the new rate: the rate has followed
        eta.add_window(5, 1.0)
    assert eta.seconds_per_step == pytest.approx(0.2, rel=0.01)


def test_each_read_of_the_window_says_what_share_of_the_step_time_waited_on_data(synthetic_data: Any) -> None:
    sink = RecordingSink()
    train(_config(epochs=1, log_every=2), sink, data=synthetic_data)
    shares = [p for p in sink.points if p.name == "system/data_wait_share"]
    assert [p.step for p in shares] == [p.step for p in sink.points if p.name == "images_per_s"]
    assert shares and all(0 <= p.value <= 1 for p in shares)
