"""Checkpoints and resume: a resumed run continues with exactly the losses of the uninterrupted one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from tests.trainer.checkpoint_copies import CopyCheckpoints
from tests.trainer.stop_sink import StopAtPoll
from trainboard.trainer.checkpoint import read_checkpoint_counters
from trainboard.trainer.config import TrainConfig
from trainboard.trainer.sink import RecordingSink
from trainboard.trainer.train import train

pytestmark = pytest.mark.usefixtures("one_thread")


def _config() -> TrainConfig:
    # Momentum, a per-step schedule and on-device augmentation: all of them must survive the checkpoint.
    return TrainConfig(dataset="synthetic", device="cpu", train_limit=320, test_limit=64, epochs=2, batch_size=32,
                       lr=0.02, schedule="cosine", pad_crop=True, flip=True, cutout=4, log_every=4, seed=3)


def _points(sink: RecordingSink, name: str) -> dict[int, float]:
    return {p.step: p.value for p in sink.points if p.name == name}


def test_resume_continues_same_losses(synthetic_data: Any, tmp_path: Path) -> None:
    straight = CopyCheckpoints(tmp_path)
    train(_config(), straight, data=synthetic_data, out_dir=tmp_path / "straight")

    resumed = RecordingSink()
    summary = train(_config(), resumed, data=synthetic_data, out_dir=tmp_path / "resumed",
                    resume_from=tmp_path / "epoch-1.pt")

    straight_losses, resumed_losses = _points(straight, "loss"), _points(resumed, "loss")
    assert sorted(resumed_losses) == list(range(11, 21))  # only epoch 2's steps, numbered on from the checkpoint
    # Same batches, same augmentation, same optimizer state: on the CPU the losses are bit-identical.
    assert resumed_losses == {step: loss for step, loss in straight_losses.items() if step > 10}
    assert _points(resumed, "lr") == pytest.approx({s: v for s, v in _points(straight, "lr").items() if s > 10})
    assert _points(resumed, "test_acc") == pytest.approx({2: _points(straight, "test_acc")[2]})
    assert resumed.info["start_step"] == 10 and resumed.info["resumed"] is True
    assert summary["epochs_completed"] == 2 and summary["global_step"] == 20
    assert summary["test_correct"] == straight.summary["test_correct"]
    assert [message for level, message in resumed.logs if level == "warning"] == []

    changed = RecordingSink()
    train(_config().model_copy(update={"lr": 0.01}), changed, data=synthetic_data, out_dir=tmp_path / "changed",
          resume_from=tmp_path / "epoch-1.pt")
    assert ("warning", "the checkpoint was written with other values of: lr; continuing with this run's values") in (
        changed.logs
    )


def test_resume_after_a_stop_mid_epoch(synthetic_data: Any, tmp_path: Path) -> None:
    straight = RecordingSink()
    train(_config(), straight, data=synthetic_data)

    stopped = StopAtPoll(7)
    first = train(_config(), stopped, data=synthetic_data, out_dir=tmp_path)
    assert first["stopped"] and first["global_step"] == 7
    counters = read_checkpoint_counters(tmp_path / "checkpoint.pt")
    assert (counters.epoch, counters.global_step, counters.step_in_epoch) == (0, 7, 7)

    resumed = RecordingSink()
    train(_config(), resumed, data=synthetic_data, out_dir=tmp_path, resume_from=tmp_path / "checkpoint.pt")
    assert _points(resumed, "loss") == {step: loss for step, loss in _points(straight, "loss").items() if step > 7}
    # Epoch 1's train loss covers the steps before the stop too (their sums travel in the checkpoint).
    assert _points(resumed, "train_loss")[1] == pytest.approx(_points(straight, "train_loss")[1], rel=1e-5)


def test_a_stop_during_an_epoch_end_evaluation_is_resumed_with_that_evaluation(
    synthetic_data: Any, tmp_path: Path
) -> None:
    # 10 steps per epoch, one test batch: poll 0 before step 1, polls 1-10 after steps 1-10, poll 11 before
    # epoch 1's test batch.
    straight = RecordingSink()
    train(_config(), straight, data=synthetic_data)

    stopped = StopAtPoll(11)
    first = train(_config(), stopped, data=synthetic_data, out_dir=tmp_path)
    assert first["stopped"] and first["global_step"] == 10 and first["epochs_completed"] == 0
    assert not _points(stopped, "train_loss") and not _points(stopped, "test_acc")  # nothing half-reported
    counters = read_checkpoint_counters(tmp_path / "checkpoint.pt")
    assert (counters.epoch, counters.global_step, counters.step_in_epoch) == (0, 10, 10)

    resumed = RecordingSink()
    summary = train(_config(), resumed, data=synthetic_data, out_dir=tmp_path, resume_from=tmp_path / "checkpoint.pt")
    assert min(_points(resumed, "loss")) == 11  # epoch 1's steps are not trained again
    assert _points(resumed, "test_acc") == _points(straight, "test_acc")  # epochs 1 and 2
    assert _points(resumed, "train_loss") == pytest.approx(_points(straight, "train_loss"), rel=1e-12)
    assert summary["test_correct"] == straight.summary["test_correct"]


def test_a_stop_during_the_final_evaluation_keeps_the_last_epoch_and_a_resume_finishes_it(
    synthetic_data: Any, tmp_path: Path
) -> None:
    # Polls 12-21 after steps 11-20, 22 before epoch 2's test batch, 23 before the final train-set batch.
    straight = RecordingSink()
    train(_config(), straight, data=synthetic_data)

    stopped = StopAtPoll(23)
    first = train(_config(), stopped, data=synthetic_data, out_dir=tmp_path)
    assert first["stopped"] and first["epochs_completed"] == 2 and first["train_accuracy"] is None
    assert stopped.summary is None and "result" not in stopped.artifacts
    assert read_checkpoint_counters(tmp_path / "checkpoint.pt").epoch == 2

    resumed = RecordingSink()
    summary = train(_config(), resumed, data=synthetic_data, out_dir=tmp_path, resume_from=tmp_path / "checkpoint.pt")
    assert not _points(resumed, "loss")  # nothing left to train
    assert summary["train_correct"] == straight.summary["train_correct"]
    assert summary["test_correct"] == straight.summary["test_correct"]
    assert resumed.artifacts["confusion"] == straight.artifacts["confusion"]


def test_checkpoint_is_complete_and_written_atomically(synthetic_data: Any, tmp_path: Path) -> None:
    config = _config()
    train(config, RecordingSink(), data=synthetic_data, out_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pt"]  # no temporary file left behind
    payload = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert {"model", "optimizer", "epoch", "global_step", "rng", "config"} <= set(payload)
    assert payload["epoch"] == 2 and payload["global_step"] == 20
    assert payload["config"] == config.model_dump(mode="json")
    assert payload["optimizer"]["state"]  # momentum buffers
