"""The one small interface through which the trainer and the LR finder report. No torch import.

Sinks: the CLI (progress bar + text report), the tests (RecordingSink), the worker (HTTP reporter).
Everything passed to a sink is plain data (ints, floats, strings, lists, dicts), never tensors.

Metric names (x = `step` of each point):
    per training step (x = global step, from 1):   loss, lr, images_per_s
    per read of the step window (x = global step):  system/data_wait_share (host time waiting for batches)
    per epoch (x = epoch, from 1):                  train_loss, train_acc, test_loss, test_acc
    per LR-finder iteration (x = iteration, from 1): lrf_lr, lrf_loss, lrf_smoothed
    machine load (x = global step, a sample every few seconds): system/... (see worker/worker/load_sampler.py)
Accuracies are fractions in [0, 1].

Artifact names and payloads:
    confusion     {"classes": [...], "matrix": [[int]*C]*C, "split": "test"}  rows true, columns predicted
    per_class     {"classes": [...], "accuracy": [float]*C, "split": "test"}
    evaluation    per test evaluation (epoch, step): confusion matrix, per-class accuracy and the feature maps of
                  one test image as uint8 blocks (trainboard.trainer.evaluation_artifacts)
    mistakes      per test evaluation: a few misclassified test images per (true, predicted) cell, with
                  thumbnails, top-3 predictions and feature maps (same module)
    lr_curve      {"lr": [...], "loss": [...], "smoothed": [...], "stopped_early": bool, "stop_reason": str|None,
                   "suggestions": {rule: lr}, "recommended": rule, "disagreement": bool, "train_config": {...}}
    result        the final summary (see Trainer): accuracies, per-class, throughput, config
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class MetricPoint:
    """One value of a named series at x = step."""

    name: str
    step: int
    value: float


@dataclass(frozen=True)
class Progress:
    """Where a run is: epoch/step counters (1-based, inclusive), throughput and time left."""

    epoch: int
    epochs: int
    step: int
    total_steps: int
    images_per_s: float | None
    eta_s: float | None
    phase: str | None = None  # what the run is doing when that is not plain training: "loading cifar10", ...


class Sink:
    """Receives what a run reports. Every method is optional; the base class ignores everything."""

    def on_start(self, info: dict[str, Any]) -> None:
        """Run begins: config, model name and parameter count, dataset sizes, class names, device, start step."""

    def on_metrics(self, points: list[MetricPoint]) -> None:
        """A batch of metric points (the trainer sends them every `log_every` steps, not every step)."""

    def on_progress(self, progress: Progress) -> None:
        """Counters for progress bars and ETAs, and the phase while the run is not plain training."""

    def on_artifact(self, name: str, payload: dict[str, Any]) -> None:
        """A JSON-able artifact: evaluation, mistakes, confusion, per_class, lr_curve, result."""

    def on_checkpoint(self, path: Path, epoch: int, step: int) -> None:
        """A checkpoint file was written after `epoch` full epochs and `step` global steps."""

    def on_log(self, level: str, message: str) -> None:
        """A human-readable line for the run's log ('info', 'warning', 'error')."""

    def on_end(self, summary: dict[str, Any]) -> None:
        """Run finished normally with this summary."""

    def should_stop(self) -> bool:
        """True asks the trainer to stop (cancel or hand-back).

        Polled before the first step, after every step and before every evaluation batch.
        """
        return False


class MultiSink(Sink):
    """Fans every call out to several sinks; stops when any of them asks to."""

    def __init__(self, *sinks: Sink) -> None:
        self.sinks = list(sinks)

    def on_start(self, info: dict[str, Any]) -> None:
        for s in self.sinks:
            s.on_start(info)

    def on_metrics(self, points: list[MetricPoint]) -> None:
        for s in self.sinks:
            s.on_metrics(points)

    def on_progress(self, progress: Progress) -> None:
        for s in self.sinks:
            s.on_progress(progress)

    def on_artifact(self, name: str, payload: dict[str, Any]) -> None:
        for s in self.sinks:
            s.on_artifact(name, payload)

    def on_checkpoint(self, path: Path, epoch: int, step: int) -> None:
        for s in self.sinks:
            s.on_checkpoint(path, epoch, step)

    def on_log(self, level: str, message: str) -> None:
        for s in self.sinks:
            s.on_log(level, message)

    def on_end(self, summary: dict[str, Any]) -> None:
        for s in self.sinks:
            s.on_end(summary)

    def should_stop(self) -> bool:
        return any(s.should_stop() for s in self.sinks)


@dataclass
class RecordingSink(Sink):
    """Keeps everything it receives in memory; used by tests and by callers that want plain data back."""

    info: dict[str, Any] = field(default_factory=dict)
    points: list[MetricPoint] = field(default_factory=list)
    progress: list[Progress] = field(default_factory=list)
    artifacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # the latest payload of each name
    artifact_history: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # every one, in order
    checkpoints: list[tuple[Path, int]] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)
    summary: dict[str, Any] | None = None
    stop_requested: bool = False

    def on_start(self, info: dict[str, Any]) -> None:
        self.info = info

    def on_metrics(self, points: list[MetricPoint]) -> None:
        self.points.extend(points)

    def on_progress(self, progress: Progress) -> None:
        self.progress.append(progress)

    def on_artifact(self, name: str, payload: dict[str, Any]) -> None:
        self.artifacts[name] = payload
        self.artifact_history.append((name, payload))

    def on_checkpoint(self, path: Path, epoch: int, step: int) -> None:
        self.checkpoints.append((path, epoch))

    def on_log(self, level: str, message: str) -> None:
        self.logs.append((level, message))

    def on_end(self, summary: dict[str, Any]) -> None:
        self.summary = summary

    def should_stop(self) -> bool:
        return self.stop_requested

    def series(self, name: str) -> list[float]:
        """Values of one metric in step order."""
        return [p.value for p in sorted((p for p in self.points if p.name == name), key=lambda p: p.step)]
