"""The training loop: it learns, reports plain data through the sink in batches, and stops cleanly on request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.trainer.device_reads import counted_device_reads
from tests.trainer.stop_sink import StopAtPoll
from trainboard.trainer.config import TrainConfig
from trainboard.trainer.schedule import lr_at
from trainboard.trainer.sink import MetricPoint, Progress, RecordingSink
from trainboard.trainer.train import Trainer, train

pytestmark = pytest.mark.usefixtures("one_thread")

PLAIN_SCALARS = (int, float, str, bool, type(None))


def _assert_plain(value: Any, where: str) -> None:
    """Fail if `value` holds anything but JSON-like Python data (a tensor, a numpy value, ...)."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), f"{where}: key {key!r} is {type(key).__name__}"
            _assert_plain(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _assert_plain(item, f"{where}[{index}]")
    else:
        assert type(value) in PLAIN_SCALARS, f"{where} is {type(value).__module__}.{type(value).__name__}"


class PlainDataSink(RecordingSink):
    """Records like RecordingSink and asserts every payload is plain Python data."""

    def on_start(self, info: dict[str, Any]) -> None:
        _assert_plain(info, "start")
        super().on_start(info)

    def on_metrics(self, points: list[MetricPoint]) -> None:
        for p in points:
            assert type(p.name) is str and type(p.step) is int and type(p.value) is float, p
        super().on_metrics(points)

    def on_progress(self, progress: Progress) -> None:
        _assert_plain(vars(progress), "progress")
        super().on_progress(progress)

    def on_artifact(self, name: str, payload: dict[str, Any]) -> None:
        _assert_plain(payload, name)
        super().on_artifact(name, payload)

    def on_log(self, level: str, message: str) -> None:
        assert type(level) is str and type(message) is str
        super().on_log(level, message)

    def on_end(self, summary: dict[str, Any]) -> None:
        _assert_plain(summary, "summary")
        super().on_end(summary)


def _config(**fields: Any) -> TrainConfig:
    base = dict(dataset="synthetic", device="cpu", train_limit=256, test_limit=128, epochs=2, batch_size=32,
                lr=0.01, log_every=3)
    return TrainConfig(**{**base, **fields})


def test_tutorial_cnn_reaches_90_percent_on_synthetic(synthetic_data: Any) -> None:
    config = TrainConfig(dataset="synthetic", device="cpu", model="tutorial_cnn", epochs=2, batch_size=32,
                         lr=0.02, momentum=0.9, normalize="dataset", log_every=50)
    summary = train(config, RecordingSink(), data=synthetic_data)
    assert summary["test_total"] == 1024  # held-out images the model never trained on
    assert summary["test_accuracy"] >= 0.90
    assert summary["train_accuracy"] >= 0.90


def test_sink_receives_only_plain_data(synthetic_data: Any, tmp_path: Path) -> None:
    sink = PlainDataSink()
    summary = train(_config(), sink, data=synthetic_data, out_dir=tmp_path)
    _assert_plain(summary, "returned summary")
    assert sink.summary == summary
    assert set(sink.artifacts) == {"evaluation", "mistakes", "confusion", "per_class", "result"}
    assert [epoch for _, epoch in sink.checkpoints] == [1, 2]


def test_losses_are_read_every_log_every_steps(synthetic_data: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sink = RecordingSink()
    calls: list[list[int]] = []
    original = sink.on_metrics

    def record_call(points: list[MetricPoint]) -> None:
        calls.append([p.step for p in points if p.name == "loss"])
        original(points)

    sink.on_metrics = record_call  # type: ignore[method-assign]
    train(_config(log_every=3, log_every_s=86_400), sink, data=synthetic_data)  # only log_every decides here
    step_batches = [steps for steps in calls if steps]
    # 8 steps per epoch: reads after steps 3, 6, then the epoch end (8); then 9, 12, 15, and 16.
    assert step_batches == [[1, 2, 3], [4, 5, 6], [7, 8], [9], [10, 11, 12], [13, 14, 15], [16]]
    assert len(sink.series("loss")) == 16
    assert len(sink.series("images_per_s")) == len(step_batches)
    training = [p for p in sink.progress if p.total_steps and not (p.phase or "").startswith(("evaluat", "final"))]
    assert [p.step for p in training] == [3, 6, 8, 9, 12, 15, 16]
    assert training[-1].total_steps == 16
    # Before the first evaluation the phase says when it comes; after it, plain training has no phase.
    assert [p.phase for p in training] == ["first epoch: evaluation after 8 steps"] * 3 + [None] * 4
    assert [(p.step, p.phase) for p in sink.progress if p.phase and not p.phase.startswith("first epoch")] == [
        (0, "building tutorial_cnn"), (8, "evaluating on 128 test images"), (16, "evaluating on 128 test images"),
        (16, "final evaluation on 256 training images"),
    ]


def test_epoch_train_metrics_do_not_depend_on_the_log_interval(synthetic_data: Any) -> None:
    # 250 images in batches of 32: seven full batches and one of 26, so the windows are uneven.
    runs = {}
    for log_every in (1, 5):
        sink = RecordingSink()
        train(_config(train_limit=250, log_every=log_every), sink, data=synthetic_data)
        runs[log_every] = sink
    assert runs[1].series("loss") == runs[5].series("loss")
    assert runs[1].series("train_loss") == pytest.approx(runs[5].series("train_loss"), rel=1e-12)
    assert runs[1].series("train_acc") == runs[5].series("train_acc")
    # The epoch's train loss is the image-weighted mean of its step losses.
    epoch_1 = runs[5].series("loss")[:8]
    weighted = (sum(epoch_1[:7]) * 32 + epoch_1[7] * 26) / 250
    assert runs[5].series("train_loss")[0] == pytest.approx(weighted, rel=1e-9)


def test_epoch_train_accuracy_counts_the_predictions_made_while_training(synthetic_data: Any) -> None:
    # With a negligible LR the weights do not move, so the running count during epoch 1 must equal an
    # evaluation of the final model on the same training images (tutorial_cnn has no dropout or BN).
    config = _config(epochs=1, lr=1e-9, momentum=0.0, train_limit=256)
    sink = RecordingSink()
    summary = train(config, sink, data=synthetic_data)
    assert summary["train_total"] == 256
    assert sink.series("train_acc")[0] == pytest.approx(summary["train_accuracy"], abs=1.5 / 256)


def test_lr_points_follow_the_schedule(synthetic_data: Any) -> None:
    config = _config(schedule="cosine", lr=0.05)
    sink = RecordingSink()
    train(config, sink, data=synthetic_data)
    assert sink.series("lr") == pytest.approx([lr_at(s, 16, 8, config) for s in range(16)])


def test_epoch_metrics_and_eval_every(synthetic_data: Any) -> None:
    sink = RecordingSink()
    train(_config(epochs=3, eval_every=2), sink, data=synthetic_data)
    steps = {name: [p.step for p in sink.points if p.name == name] for name in ("train_loss", "train_acc",
                                                                                  "test_loss", "test_acc")}
    assert steps["train_loss"] == steps["train_acc"] == [1, 2, 3]
    assert steps["test_loss"] == steps["test_acc"] == [2, 3]  # every 2nd epoch, and always the last
    assert all(0.0 <= v <= 1.0 for v in sink.series("train_acc") + sink.series("test_acc"))


def test_summary_has_accuracies_confusion_and_config(synthetic_data: Any) -> None:
    config = _config()
    sink = RecordingSink()
    summary = train(config, sink, data=synthetic_data)
    assert summary["config"] == config.model_dump(mode="json")
    assert summary["stopped"] is False and summary["epochs_completed"] == 2
    assert summary["parameters"] == 62_006 and summary["device"] == "cpu"
    assert summary["images_per_s"] > 0 and summary["seconds"] > 0
    confusion = summary["confusion"]
    assert len(confusion) == 10 and sum(map(sum, confusion)) == 128 == summary["test_total"]
    assert sum(confusion[i][i] for i in range(10)) == summary["test_correct"]
    assert summary["test_accuracy"] == pytest.approx(summary["test_correct"] / 128)
    assert summary["train_total"] == 256
    assert list(summary["per_class"]) == synthetic_data.classes
    assert sink.artifacts["confusion"] == {"classes": synthetic_data.classes, "matrix": confusion, "split": "test"}
    assert sink.artifacts["evaluation"]["epoch"] == 2 and sink.artifacts["evaluation"]["matrix"] == confusion
    assert set(sink.artifacts["evaluation"]["feature_maps"]["layers"]) == {"conv1", "conv2"}
    assert sink.artifacts["result"] == summary


def test_stop_request_writes_checkpoint_and_returns_stopped_summary(synthetic_data: Any, tmp_path: Path) -> None:
    sink = StopAtPoll(5)
    summary = train(_config(), sink, data=synthetic_data, out_dir=tmp_path)
    assert summary["stopped"] is True
    assert summary["global_step"] == 5 and summary["epochs_completed"] == 0
    assert sink.summary is None  # on_end is for runs that finished
    assert sink.checkpoints == [(tmp_path / "checkpoint.pt", 0)]
    assert (tmp_path / "checkpoint.pt").is_file()
    assert len(sink.series("loss")) == 5  # the losses before the stop were still reported


def test_a_stop_requested_before_the_first_step_trains_nothing(synthetic_data: Any, tmp_path: Path) -> None:
    # A cancel that arrives while the data and the model are being built takes effect before any step.
    sink = StopAtPoll(0)
    summary = train(_config(), sink, data=synthetic_data, out_dir=tmp_path)
    assert summary["stopped"] is True and summary["global_step"] == 0
    assert sink.points == [] and sink.checkpoints == [] and sink.summary is None
    assert sink.polls == 1


def test_same_seed_same_losses_different_seed_different(synthetic_data: Any) -> None:
    runs = []
    for seed in (1, 1, 2):
        sink = RecordingSink()
        train(_config(epochs=1, seed=seed, pad_crop=True, flip=True), sink, data=synthetic_data)
        runs.append(sink.series("loss"))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_unknown_feature_layer_fails_before_training(synthetic_data: Any) -> None:
    sink = RecordingSink()
    with pytest.raises(ValueError, match="feature_layers: model has no layer 'conv7'"):
        Trainer(_config(feature_layers=["conv7"]), sink, data=synthetic_data)
    assert sink.points == []


def test_batch_larger_than_the_given_data_is_refused(synthetic_data: Any) -> None:
    small = synthetic_data.limit(16, 16)
    with pytest.raises(ValueError, match="batch_size 32 is larger than the 16 training images"):
        Trainer(_config(train_limit=None), RecordingSink(), data=small)


def test_bf16_request_on_cpu_trains_in_float32_and_says_so(synthetic_data: Any) -> None:
    sink = RecordingSink()
    train(_config(epochs=1, bf16=True), sink, data=synthetic_data)
    assert any("bf16" in message for _, message in sink.logs)
    assert sink.summary is not None


def test_training_steps_read_nothing_from_the_device_between_window_reads(
    synthetic_data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every way a tensor's value reaches the host (each one a device sync on a GPU) is counted while the
    # training epochs run; evaluation is left out. 8 steps per epoch and log_every 3: one read after
    # steps 3, 6, 8 (the epoch's end), 9, 12, 15 and 16, and none in between.
    with counted_device_reads(monkeypatch) as reads:  # log_every_s: only log_every decides here
        train(_config(epochs=2, log_every=3, log_every_s=86_400), RecordingSink(), data=synthetic_data)
    assert reads == ["tolist"] * 7
