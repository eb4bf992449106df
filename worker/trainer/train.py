"""The training loop: one run of a TrainConfig, reported through a Sink.

The loop never waits on the device per step, and adds almost no work to it: each step's loss and logits
stay on the device (detached) and are read every `log_every` steps, or once `log_every_s` seconds have passed on
the host clock since the last read if that comes first (`log_every_s`, a second by default), in one transfer, which also counts the window's
correct predictions; the epoch's train loss and accuracy are summed on the host from those reads. Each read
also goes past the divergence watchdog (watchdog.py).
A checkpoint is written after every epoch (and on a requested stop), and a run resumed from
one continues with the same batches, so its next losses equal those of the uninterrupted run.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from trainboard.trainer.checkpoint import CHECKPOINT_NAME, CheckpointState, load_checkpoint, save_checkpoint
from trainboard.trainer.config import TrainConfig
from trainboard.trainer.continuation import changed_fields, load_to_continue
from trainboard.trainer.data.loader import DeviceLoader
from trainboard.trainer.device import describe_device
from trainboard.trainer.eta import EtaEstimator
from trainboard.trainer.evaluate import EvalResult, EvaluationStopped, evaluate
from trainboard.trainer.evaluation_artifacts import EvaluationInputs, evaluation_artifacts
from trainboard.trainer.feature_maps import check_layers
from trainboard.trainer.models import default_feature_layers
from trainboard.trainer.optim import build_loss, build_optimizer
from trainboard.trainer.schedule import StepSchedule
from trainboard.trainer.setup import prepare
from trainboard.trainer.sink import MetricPoint, Progress, Sink
from trainboard.trainer.watchdog import TrainingDivergedError, Watchdog

if TYPE_CHECKING:
    from trainboard.trainer.data.images import ImageData

EVAL_BATCH_SIZE = 1024  # images per evaluation batch (no gradients, so larger than most training batches)
# Fields that change how a run executes, not what it trains: a resume with other values of these is not warned about.
EXECUTION_FIELDS = frozenset({"device", "channels_last", "compile"})


def train(
    config: TrainConfig,
    sink: Sink,
    *,
    data_dir: Path | None = None,
    out_dir: Path | None = None,
    resume_from: Path | None = None,
    start_from: Path | None = None,
    data: ImageData | None = None,
) -> dict[str, Any]:
    """Run `config` to the end (or until sink.should_stop()) and return the summary.

    `resume_from`: this run's own checkpoint (it was interrupted); `start_from`: another run's, which this one
    continues with its own config (see continuation.py).
    """
    return Trainer(config, sink, data_dir=data_dir, out_dir=out_dir, data=data).run(resume_from, start_from)


@dataclass
class _StepWindow:
    """Steps since the last read from the device.

    Holds at most one epoch's logits (the window is read at each epoch's end): 2 MB for CIFAR-10.
    """

    steps: list[int] = field(default_factory=list)
    lrs: list[float] = field(default_factory=list)
    losses: list[torch.Tensor] = field(default_factory=list)  # 0-dim, detached, on the device
    logits: list[torch.Tensor] = field(default_factory=list)  # (B, classes), detached, on the device
    labels: list[torch.Tensor] = field(default_factory=list)  # (B,) on the device
    started: float = 0.0  # the trainer's clock (seconds) when the window opened
    reads: int = 0  # device reads so far (one sync each)
    # Host seconds of the window's steps spent waiting for the next batch, and in the step itself (on a GPU the
    # step's kernels run asynchronously: this is host time, in which the wait for a full queue shows up).
    data_s: float = 0.0
    compute_s: float = 0.0

    def add(self, step: int, lr: float, loss: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor) -> None:
        self.steps.append(step)
        self.lrs.append(lr)
        self.losses.append(loss)
        self.logits.append(logits)
        self.labels.append(labels)

    def reset(self, now: float) -> None:
        self.steps, self.lrs, self.losses, self.logits, self.labels = [], [], [], [], []
        self.started = now
        self.data_s = self.compute_s = 0.0

    def read(self, grad_norm: torch.Tensor | None = None) -> tuple[list[float], list[int], int, float | None]:
        """(loss per step, images per step, correct predictions, `grad_norm`'s value), in one device sync."""
        self.reads += 1
        losses = torch.stack(self.losses).double()
        correct = (torch.cat(self.logits).argmax(dim=1) == torch.cat(self.labels)).sum()
        tail = [correct.double().reshape(1)] + ([grad_norm.double().reshape(1)] if grad_norm is not None else [])
        values = torch.cat([losses, *tail]).tolist()
        norm = values.pop() if grad_norm is not None else None
        *loss_values, correct_value = values
        return loss_values, [int(labels.shape[0]) for labels in self.labels], int(correct_value), norm


def gradient_norm(model: torch.nn.Module) -> torch.Tensor | None:
    """The L2 norm of all the model's gradients, on the device (no sync); None before any backward pass."""
    grads = [p.grad.detach() for p in model.parameters() if p.grad is not None]
    if not grads:
        return None
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g.float()) for g in grads]))


@dataclass
class _EpochSums:
    """Train-loss and accuracy sums of one epoch, on the host, added to at each read of the window."""

    loss_sum: float = 0.0  # sum over images of the per-image loss, added step by step in step order
    correct: int = 0
    seen: int = 0

    def add(self, losses: list[float], images: list[int], correct: int) -> None:
        for loss, count in zip(losses, images):
            self.loss_sum += loss * count  # in step order: a resumed run's sum is the uninterrupted run's
        self.correct += correct
        self.seen += sum(images)

    def to_extra(self) -> dict[str, Any]:
        return {"loss_sum": self.loss_sum, "correct": self.correct, "seen": self.seen}

    @classmethod
    def from_extra(cls, extra: dict[str, Any] | None) -> _EpochSums:
        if not extra:
            return cls()
        return cls(float(extra["loss_sum"]), int(extra["correct"]), int(extra["seen"]))


class Trainer:
    """Builds data, model, optimizer and schedule for a config; `run()` trains and reports to the sink."""

    def __init__(
        self,
        config: TrainConfig,
        sink: Sink,
        *,
        data_dir: Path | None = None,
        out_dir: Path | None = None,
        data: ImageData | None = None,
    ) -> None:
        self.config = config
        self.sink = sink
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.clock: Callable[[], float] = time.perf_counter  # host seconds; tests put a fake clock here
        self.setup = prepare(config, data_dir=data_dir, data=data, on_phase=self._announce)
        self.device, self.data, self.model = self.setup.device, self.setup.data, self.setup.model
        self.classes = self.setup.classes
        self.num_classes = len(self.classes)
        self.mean, self.std = self.setup.mean, self.setup.std
        self.parameters = self.setup.parameters
        # self.model, or torch.compile of it (the plain model again, with a warning, if compiling fails)
        self.train_network = self.setup.training_network(on_fallback=partial(sink.on_log, "warning"))
        if config.compile:
            sink.on_log("info", "torch.compile: the first training step compiles the network and takes longer")
        self.layer_names = list(config.feature_layers or default_feature_layers(self.model, config.model))
        check_layers(self.model, self.layer_names)

        # A last batch of a single image breaks BatchNorm in train mode; drop it only then.
        self.train_loader = self.setup.train_loader(drop_last=self.setup.train_images % config.batch_size == 1)
        self.test_loader = self.setup.eval_loader(self.data.test_x, self.data.test_y, EVAL_BATCH_SIZE)
        self.train_eval_loader = self.setup.eval_loader(self.data.train_x, self.data.train_y, EVAL_BATCH_SIZE)
        self.steps_per_epoch = len(self.train_loader)
        self.total_steps = config.epochs * self.steps_per_epoch
        self.eta = EtaEstimator(
            steps_per_epoch=self.steps_per_epoch, epochs=config.epochs, eval_every=config.eval_every,
            batch_size=config.batch_size, test_images=int(self.data.test_x.shape[0]),
            train_images=self.setup.train_images,
        )
        self.watchdog = Watchdog(config.watchdog_loss_factor, config.watchdog_grad_factor)
        self.diverged: str | None = None  # the first divergence the watchdog saw (a 'warn' run trains on)

        self.loss_fn = build_loss(config)
        self.optimizer = build_optimizer(self.model, config)
        self.schedule = StepSchedule(self.optimizer, self.total_steps, self.steps_per_epoch, config)
        use_bf16 = config.bf16 and self.device.type == "cuda"
        self.autocast: Callable[[], contextlib.AbstractContextManager] = (
            partial(torch.autocast, device_type="cuda", dtype=torch.bfloat16) if use_bf16 else contextlib.nullcontext
        )
        if config.bf16 and not use_bf16:
            sink.on_log("info", f"bf16 autocast is CUDA-only; training in float32 on {self.device.type}")
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True  # fixed input shapes: let cuDNN pick the fastest kernels

        self.global_step = 0
        self.epochs_completed = 0
        self.train_seconds = 0.0  # time spent in training steps (reads of the loss included, evaluation excluded)
        self.train_images_seen = 0
        self.seconds_before = 0.0  # wall time of earlier sessions of a resumed run
        self.last_test: tuple[int, EvalResult] | None = None  # (epoch, result) of the latest test evaluation
        self.checkpoint_path: Path | None = None
        self._window = _StepWindow()
        self._images_per_s: float | None = None  # of the latest window
        self._warned_epoch = 0  # a 'warn' watchdog logs at most once per epoch

    # ----------------------------------------------------------------------------------------------- run

    def run(self, resume_from: Path | None = None, start_from: Path | None = None) -> dict[str, Any]:
        """Train from scratch or from a checkpoint; return the summary (also sent to sink.on_end)."""
        started = time.perf_counter()
        if resume_from is not None:
            start = self._restore(resume_from)
        elif start_from is not None:
            start = self._continue(start_from)
        else:
            start = CheckpointState(epoch=0, global_step=0)
        self.sink.on_start(self._start_info(resumed=resume_from is not None))
        if resume_from is not None:
            self.sink.on_log("info", f"resumed from {resume_from} after epoch {start.epoch}, step {start.global_step}")
            self._warn_if_config_changed(start.config)
        elif start_from is not None:
            changes = changed_fields(start.config, self.config.model_dump(mode="json"), EXECUTION_FIELDS)
            self.sink.on_log("info", f"continuing a checkpoint after epoch {start.epoch}, step {start.global_step}"
                             + (f", with {'; '.join(changes)}" if changes else ""))

        if self.sink.should_stop():  # a cancel or hand-back that came while the data and model were built
            self.sink.on_log("info", f"stopped before training, at step {self.global_step}")
            return self._summary(started, None, None, stopped=True)
        stopped = False
        for epoch in range(start.epoch + 1, self.config.epochs + 1):
            skip = start.step_in_epoch if epoch == start.epoch + 1 else 0
            partial_sums = start.extra.get("epoch_sums") if skip else None
            sums, stopped = self._train_epoch(epoch, skip, partial_sums)
            if not stopped:
                try:
                    self._end_epoch(epoch, sums)
                except EvaluationStopped:  # saved as a stop after the epoch's last step: a resume evaluates it
                    stopped = True
            if stopped:
                self._save(CheckpointState(
                    epoch=epoch - 1, global_step=self.global_step,
                    step_in_epoch=self.global_step - (epoch - 1) * self.steps_per_epoch,
                    extra={"epoch_sums": sums.to_extra()},
                ), started, epoch - 1)
                written = "; checkpoint written" if self.checkpoint_path else ""
                self.sink.on_log("info", f"stopped at step {self.global_step} (epoch {epoch}){written}")
                break
            self._save(CheckpointState(epoch=epoch, global_step=self.global_step), started, epoch)

        if stopped:
            return self._summary(started, None, None, stopped=True)
        try:
            test = self._final_test()
            self._send_progress(self.config.epochs, f"final evaluation on {self.setup.train_images:,} training images")
            train_eval = self._evaluate(self.train_eval_loader)
        except EvaluationStopped:
            self.sink.on_log("info", "stopped during the final evaluation; the last epoch's checkpoint is kept")
            return self._summary(started, None, None, stopped=True)
        summary = self._summary(started, test, train_eval, stopped=False)
        self.sink.on_artifact("confusion", {"classes": self.classes, "matrix": test.confusion, "split": "test"})
        self.sink.on_artifact("per_class", {"classes": self.classes, "accuracy": test.per_class, "split": "test"})
        self.sink.on_artifact("result", summary)
        self.sink.on_end(summary)
        return summary

    def _restore(self, resume_from: Path) -> CheckpointState:
        """Load model, optimizer and RNG state from a checkpoint and take over its counters."""
        start = load_checkpoint(resume_from, model=self.model, optimizer=self.optimizer)
        self.global_step, self.epochs_completed = start.global_step, start.epoch
        self.seconds_before = float(start.extra.get("seconds", 0.0))
        self.train_seconds = float(start.extra.get("train_seconds", 0.0))
        self.train_images_seen = int(start.extra.get("train_images", 0))
        return start

    def _continue(self, start_from: Path) -> CheckpointState:
        """Take another run's weights, optimizer state and counters; this run's own time starts at zero."""
        start = load_to_continue(start_from, model=self.model, optimizer=self.optimizer)
        self.global_step, self.epochs_completed = start.global_step, start.epoch
        return start

    def _warn_if_config_changed(self, saved: dict[str, Any]) -> None:
        """Log the fields (other than EXECUTION_FIELDS) in which the checkpoint's config differs from this run's."""
        current = self.config.model_dump(mode="json")
        changed = sorted(
            k for k in set(saved) | set(current) if k not in EXECUTION_FIELDS and saved.get(k) != current.get(k)
        )
        if saved and changed:
            self.sink.on_log("warning", f"the checkpoint was written with other values of: {', '.join(changed)}; "
                             "continuing with this run's values")

    # ---------------------------------------------------------------------------------------- one epoch

    def _train_epoch(self, epoch: int, skip: int, partial_sums: dict[str, Any] | None) -> tuple[_EpochSums, bool]:
        """Train one epoch (skipping its first `skip` batches after a mid-epoch resume); True if stopped.

        Per step, besides the bare forward/backward/update, the loop only sets the LR and keeps references
        to the step's loss, logits and labels; everything else happens when the window is read.
        """
        self.model.train()
        self.train_loader.set_epoch(epoch - 1)
        sums = _EpochSums.from_extra(partial_sums)
        clock, log_every, log_every_s = self.clock, self.config.log_every, self.config.log_every_s
        window = self._window
        window.reset(clock())
        done = window.started  # host clock when the last step's work ended: the wait for the next batch begins
        for index, (images, labels) in enumerate(self.train_loader):
            if index < skip:
                done = clock()
                continue  # the loader's randomness depends only on (seed, epoch, batch order): skip, don't reseed
            got = clock()
            window.data_s += got - done
            lr = self.schedule.apply(self.global_step)
            with self.autocast():
                logits = self.train_network(images)
                loss = self.loss_fn(logits, labels)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            self.global_step += 1
            window.add(self.global_step, lr, loss.detach(), logits.detach(), labels)
            # Host clock reads per step cost nothing on the device; the window is read when either is due.
            done = clock()
            window.compute_s += done - got
            if self.global_step % log_every == 0 or done - window.started >= log_every_s:
                self._read_window(epoch, sums)
                done = clock()
            if self.sink.should_stop():
                self._read_window(epoch, sums)
                return sums, True
        self._read_window(epoch, sums)
        return sums, False

    def _read_window(self, epoch: int, sums: _EpochSums) -> None:
        """Read the window from the device (one sync) into the epoch's sums; send loss, lr, throughput, progress."""
        window = self._window
        if not window.steps:
            return
        norm = gradient_norm(self.model) if self.config.watchdog_grad_factor is not None else None
        losses, images, correct, grad_norm = window.read(norm)
        sums.add(losses, images, correct)
        now = self.clock()
        elapsed = max(now - window.started, 1e-9)
        window_images = sum(images)
        images_per_s = window_images / elapsed
        self._images_per_s = images_per_s
        self.train_seconds += elapsed
        self.train_images_seen += window_images
        self.eta.add_window(len(window.steps), elapsed)

        points = [MetricPoint("loss", s, v) for s, v in zip(window.steps, losses)]
        points += [MetricPoint("lr", s, v) for s, v in zip(window.steps, window.lrs)]
        # Throughput is only measurable per window (reading it per step would force a sync per step).
        points.append(MetricPoint("images_per_s", window.steps[-1], images_per_s))
        if window.data_s + window.compute_s > 0:  # the share of step time spent waiting for the data
            points.append(MetricPoint(
                "system/data_wait_share", window.steps[-1], window.data_s / (window.data_s + window.compute_s)
            ))
        self.sink.on_metrics(points)

        self._send_progress(epoch, self._training_phase(epoch))
        reason = self.watchdog.check(window.steps, losses, grad_norm)
        if reason is not None:
            self._on_divergence(epoch, f"{reason} (lr {window.lrs[-1]:.3g})")
        window.reset(self.clock())

    def _on_divergence(self, epoch: int, reason: str) -> None:
        """Stop the run (TrainingDivergedError) or, for a 'warn' watchdog, log the warning once per epoch."""
        self.diverged = self.diverged or reason
        source = f"; the lr is the {self.config.lr_suggestion}" if self.config.lr_suggestion else ""
        if self.config.watchdog == "stop":
            kept = "; the last checkpoint before it is kept" if self.checkpoint_path else ""
            raise TrainingDivergedError(f"training diverged: {reason}{source}{kept}; try a lower lr")
        if self._warned_epoch != epoch:
            self._warned_epoch = epoch
            self.sink.on_log("warning", f"watchdog: training may have diverged: {reason}{source}; training on "
                             "(watchdog=warn)")

    def _training_phase(self, epoch: int) -> str | None:
        """While no evaluation has run yet: when the first one comes ("first epoch: evaluation after N steps")."""
        if self.last_test is not None:
            return None
        every = self.config.eval_every
        first = min(every, self.config.epochs) if epoch <= every else None
        if first is None:
            return None
        if first == 1:
            return f"first epoch: evaluation after {self.steps_per_epoch:,} steps"
        return f"first evaluation after {first * self.steps_per_epoch:,} steps (epoch {first})"

    def _send_progress(self, epoch: int, phase: str | None) -> None:
        """Counters, the latest window's throughput, the time left and the phase, to the sink."""
        self.sink.on_progress(Progress(
            epoch=epoch, epochs=self.config.epochs, step=self.global_step, total_steps=self.total_steps,
            images_per_s=self._images_per_s, eta_s=self.eta.seconds_left(self.global_step), phase=phase,
        ))

    def _announce(self, phase: str) -> None:
        """A phase of the set-up (before any counter is known): "loading cifar10", "building seed_resnet"."""
        self.sink.on_progress(Progress(epoch=0, epochs=self.config.epochs, step=0, total_steps=0,
                                       images_per_s=None, eta_s=None, phase=phase))

    def _evaluate(self, loader: DeviceLoader, *, keep_predictions: bool = False) -> EvalResult:
        """One evaluation pass, timed for the ETA; raises EvaluationStopped if the sink asks for a stop during it."""
        started = self.clock()
        result = evaluate(self.model, loader, self.num_classes, autocast=self.autocast,
                          should_stop=self.sink.should_stop, keep_predictions=keep_predictions)
        self.eta.add_evaluation(result.total, self.clock() - started)
        return result

    def _end_epoch(self, epoch: int, sums: _EpochSums) -> None:
        """Evaluate when due, then send the epoch's train/test metrics and the evaluation's artifacts (nothing if stopped)."""
        test = None
        if epoch % self.config.eval_every == 0 or epoch == self.config.epochs:
            self._send_progress(epoch, f"evaluating on {int(self.data.test_x.shape[0]):,} test images")
            test = self._evaluate(self.test_loader, keep_predictions=True)
            self.last_test = (epoch, test)
        seen = max(sums.seen, 1)
        train_loss, train_acc = sums.loss_sum / seen, sums.correct / seen
        points = [MetricPoint("train_loss", epoch, train_loss), MetricPoint("train_acc", epoch, train_acc)]
        message = f"epoch {epoch}/{self.config.epochs}: train loss {train_loss:.4f}, train acc {100 * train_acc:.1f} %"
        if test is not None:
            points += [MetricPoint("test_loss", epoch, test.loss), MetricPoint("test_acc", epoch, test.accuracy)]
            message += f", test loss {test.loss:.4f}, test acc {100 * test.accuracy:.1f} %"
        self.sink.on_metrics(points)
        self.sink.on_log("info", message)
        if test is not None:
            inputs = EvaluationInputs(
                model=self.model, test_x=self.data.test_x, test_y=self.data.test_y, classes=self.classes,
                layer_names=self.layer_names, mean=self.mean, std=self.std, autocast=self.autocast,
            )
            for name, payload in evaluation_artifacts(inputs, test, epoch, self.global_step).items():
                self.sink.on_artifact(name, payload)
        self.epochs_completed = epoch

    def _save(self, state: CheckpointState, started: float, epoch: int) -> None:
        """Write the checkpoint (when there is an out_dir) and tell the sink."""
        if self.out_dir is None:
            return
        state.config = self.config.model_dump(mode="json")
        state.extra.update(
            seconds=self.seconds_before + time.perf_counter() - started,
            train_seconds=self.train_seconds,
            train_images=self.train_images_seen,
        )
        self.checkpoint_path = save_checkpoint(
            self.out_dir / CHECKPOINT_NAME, model=self.model, optimizer=self.optimizer, state=state,
        )
        self.sink.on_checkpoint(self.checkpoint_path, epoch, state.global_step)

    # ----------------------------------------------------------------------------------------- reports

    def _final_test(self) -> EvalResult:
        if self.last_test is not None and self.last_test[0] == self.config.epochs:
            return self.last_test[1]
        return self._evaluate(self.test_loader)

    def _start_info(self, *, resumed: bool) -> dict[str, Any]:
        return {
            **self.setup.start_info(),
            "steps_per_epoch": self.steps_per_epoch,
            "total_steps": self.total_steps,
            "start_step": self.global_step,
            "start_epoch": self.epochs_completed,
            "resumed": resumed,
        }

    def _summary(
        self, started: float, test: EvalResult | None, train_eval: EvalResult | None, *, stopped: bool
    ) -> dict[str, Any]:
        return {
            "config": self.config.model_dump(mode="json"),
            "model": self.config.model,
            "dataset": self.data.name,
            "classes": self.classes,
            "parameters": self.parameters,
            "device": describe_device(self.device),
            "train_accuracy": train_eval.accuracy if train_eval else None,
            "train_correct": train_eval.correct if train_eval else None,
            "train_total": train_eval.total if train_eval else None,
            "train_loss": train_eval.loss if train_eval else None,
            "test_accuracy": test.accuracy if test else None,
            "test_correct": test.correct if test else None,
            "test_total": test.total if test else None,
            "test_loss": test.loss if test else None,
            "per_class": dict(zip(self.classes, test.per_class)) if test else None,
            "confusion": test.confusion if test else None,
            "images_per_s": self.train_images_seen / self.train_seconds if self.train_seconds > 0 else 0.0,
            "seconds": self.seconds_before + time.perf_counter() - started,
            "epochs_completed": self.epochs_completed,
            "global_step": self.global_step,
            "checkpoint": str(self.checkpoint_path) if self.checkpoint_path else None,
            "stopped": stopped,
            "diverged": self.diverged,  # the watchdog's first warning of a 'warn' run, else None
        }
