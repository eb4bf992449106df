"""The LR range test core: train for a few steps at rising learning rates, record the loss, then undo it all.

Works with any model, optimizer and loss: everything it changes (parameters, BN buffers, optimizer state
and learning rates, train/eval mode, the torch RNG) is saved at the start and restored at the end.
It records plain floats only, so no autograd graph outlives its step.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import math
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from trainboard.trainer.config import LRFindConfig, TrainConfig
from trainboard.trainer.device import describe_device
from trainboard.trainer.lr_smoothing import LossSmoother
from trainboard.trainer.lr_suggest import Suggestions, suggest
from trainboard.trainer.lr_sweep import SweepMode, sweep_lrs
from trainboard.trainer.optim import build_loss, build_optimizer
from trainboard.trainer.setup import prepare
from trainboard.trainer.sink import MetricPoint, Progress, Sink

if TYPE_CHECKING:
    from trainboard.trainer.data.images import ImageData

logger = logging.getLogger(__name__)

# Why a sweep ended before num_iter steps (LRFindResult.stop_reason).
STOP_DIVERGED = "diverged"  # smoothed loss > diverge x best smoothed loss
STOP_NON_FINITE = "non_finite_loss"  # the loss became inf or nan
STOP_REQUESTED = "stop_requested"  # sink.should_stop() said so (cancel)


@dataclass
class LRFindResult:
    """The measured curve (plain floats, one point per step) and the rules' suggestions."""

    lrs: list[float]
    losses: list[float]
    smoothed: list[float]
    stopped_early: bool
    stop_reason: str | None
    stop_detail: str | None
    suggestions: Suggestions
    elapsed_s: float
    images_per_s: float

    @property
    def iterations(self) -> int:
        """How many steps were measured."""
        return len(self.lrs)

    @property
    def stopped_by_request(self) -> bool:
        """True when sink.should_stop() ended the sweep (cancel or hand-back), not the curve itself."""
        return self.stop_reason == STOP_REQUESTED

    def payload(self, train_config: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `lr_curve` artifact (see worker/trainer/sink.py); train_config is what 'train with this LR' runs."""
        return {
            "lr": list(self.lrs),
            "loss": list(self.losses),
            "smoothed": list(self.smoothed),
            "stopped_early": self.stopped_early,
            "stop_reason": self.stop_reason,
            "stop_detail": self.stop_detail,
            "suggestions": dict(self.suggestions.values),
            "recommended": self.suggestions.recommended,
            "recommended_lr": self.suggestions.recommended_lr,
            "disagreement": self.suggestions.disagreement,
            "train_config": train_config,
        }


# The fields only an LR range test has: start_lr, end_lr, num_iter, mode, smooth, diverge.
SWEEP_FIELDS = tuple(name for name in LRFindConfig.model_fields if name not in TrainConfig.model_fields)
# The largest lr a training run accepts (the `le` bound of TrainConfig.lr).
MAX_TRAIN_LR = float(next(rule.le for rule in TrainConfig.model_fields["lr"].metadata if hasattr(rule, "le")))


def run_lr_find(
    config: LRFindConfig, sink: Sink, *, data_dir: Path | None = None, data: ImageData | None = None
) -> LRFindResult:
    """Run the LR range test a config describes (its model, data, augmentation, optimizer) and report it.

    Sends on_start, the streamed points, the `lr_curve` artifact (with the training config that uses the
    recommended lr) and, unless sink.should_stop() ended the sweep, on_end with the summary (as the trainer does).
    """
    started = time.perf_counter()
    setup = prepare(config, data_dir=data_dir, data=data)
    device, images, model = setup.device, setup.data, setup.model
    # Equal batches: a short last batch would add noise to its point of the curve.
    loader = setup.train_loader(drop_last=True)
    if config.bf16 and device.type != "cuda":
        sink.on_log("info", f"bf16 autocast is CUDA-only; sweeping in float32 on {device.type}")
    if config.compile:  # a sweep of a few hundred steps would spend much of its time compiling
        sink.on_log("info", "torch.compile is for training runs; the LR range test runs the network uncompiled")
    sink.on_start({
        "kind": "lr_find",
        **setup.start_info(),
        "steps_per_epoch": len(loader),
        "total_steps": config.num_iter,
        "start_step": 0,
    })
    result = range_test(
        model, build_optimizer(model, config), build_loss(config), loader,
        start_lr=config.start_lr, end_lr=config.end_lr, num_iter=config.num_iter, mode=config.mode,
        smooth=config.smooth, diverge=config.diverge, device=device, sink=sink, bf16=config.bf16,
    )
    train_config = training_config_for(config, result.suggestions.recommended_lr)
    payload = result.payload(train_config)
    sink.on_artifact("lr_curve", payload)
    summary = {
        key: payload[key]
        for key in ("stopped_early", "stop_reason", "stop_detail", "suggestions", "recommended", "recommended_lr",
                    "disagreement", "train_config")
    }
    summary.update(
        kind="lr_find", config=config.model_dump(mode="json"), model=config.model, dataset=images.name,
        device=describe_device(device), iterations=result.iterations, images_per_s=result.images_per_s,
        seconds=time.perf_counter() - started,
    )
    if not result.stopped_by_request:
        sink.on_end(summary)
    return result


def training_config_for(config: LRFindConfig, lr: float | None) -> dict[str, Any]:
    """The training run of the same model, data and optimizer at `lr` (2 significant digits), as JSON fields.

    With no lr (no rule applied) the config's own lr is kept.
    """
    fields = config.model_dump(exclude=set(SWEEP_FIELDS))
    fields["kind"] = "train"
    if lr is not None:
        fields["lr"] = min(float(f"{lr:.2g}"), MAX_TRAIN_LR)
    return TrainConfig.model_validate(fields).model_dump(mode="json")


def range_test(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: nn.Module | Any,
    batches: Iterable[Any],
    *,
    start_lr: float,
    end_lr: float,
    num_iter: int,
    mode: SweepMode = "exp",
    smooth: float = 0.05,
    diverge: float = 5.0,
    device: torch.device | str | None = None,
    sink: Sink | None = None,
    bf16: bool = False,
    skip_start: int = 10,
    skip_end: int = 5,
) -> LRFindResult:
    """Sweep the lr from start_lr to end_lr over num_iter steps, then restore model and optimizer exactly.

    `batches` yields (inputs, targets); it is iterated again (after set_epoch(pass) when it has one) when
    num_iter exceeds one pass. Every point goes to sink.on_metrics as lrf_lr / lrf_loss / lrf_smoothed at
    step = iteration + 1. Stops early when the smoothed loss exceeds diverge x the best smoothed loss so far,
    when the loss is not finite (that point is not recorded), or when sink.should_stop() is true.
    Gradients are left cleared (None).
    """
    if diverge <= 1:
        raise ValueError(f"diverge: must be greater than 1, got {diverge}")
    planned_lrs = sweep_lrs(start_lr, end_lr, num_iter, mode)
    sink = sink if sink is not None else Sink()
    device = torch.device(device) if device is not None else _model_device(model)

    # Saved before the first step; deep copies because state_dict() returns views of the live tensors.
    saved_model = copy.deepcopy(model.state_dict())  # parameters and buffers (BN running stats, counters)
    saved_optimizer = copy.deepcopy(optimizer.state_dict())  # momentum/Adam moments and each group's lr
    was_training = model.training
    try:
        with torch.random.fork_rng(devices=_cuda_indices(device)):
            return _sweep(
                model, optimizer, loss_fn, batches, planned_lrs, smooth, diverge, device, sink, bf16,
                skip_start, skip_end,
            )
    finally:
        model.load_state_dict(saved_model)
        optimizer.load_state_dict(saved_optimizer)
        optimizer.zero_grad(set_to_none=True)
        model.train(was_training)


def _sweep(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Any,
    batches: Iterable[Any],
    planned_lrs: list[float],
    smooth: float,
    diverge: float,
    device: torch.device,
    sink: Sink,
    bf16: bool,
    skip_start: int,
    skip_end: int,
) -> LRFindResult:
    num_iter = len(planned_lrs)
    passes = _passes_needed(batches, num_iter)
    smoother = LossSmoother(smooth)
    lrs: list[float] = []
    losses: list[float] = []
    smoothed: list[float] = []
    best_smoothed = math.inf
    stop_reason: str | None = None
    stop_detail: str | None = None
    images = 0
    model.train()
    batch_stream = _cycle(batches)
    started = time.perf_counter()
    for i, lr in enumerate(planned_lrs):
        if sink.should_stop():
            stop_reason, stop_detail = STOP_REQUESTED, f"stop requested after {i} iterations"
            break
        data_pass, (inputs, targets) = next(batch_stream)
        inputs = inputs.to(device, non_blocking=True)
        targets = targets.to(device, non_blocking=True)
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = _train_step(model, optimizer, loss_fn, inputs, targets, bf16 and device.type == "cuda")
        if not math.isfinite(loss):
            stop_reason, stop_detail = STOP_NON_FINITE, f"loss became {loss} at lr {lr:.3g} (iteration {i + 1})"
            break
        images += int(inputs.shape[0])
        smoothed_loss = smoother.update(loss)
        lrs.append(lr)
        losses.append(loss)
        smoothed.append(smoothed_loss)
        elapsed = time.perf_counter() - started
        step = i + 1
        sink.on_metrics(
            [
                MetricPoint("lrf_lr", step, lr),
                MetricPoint("lrf_loss", step, loss),
                MetricPoint("lrf_smoothed", step, smoothed_loss),
            ]
        )
        sink.on_progress(
            Progress(
                epoch=data_pass,
                epochs=passes,
                step=step,
                total_steps=num_iter,
                images_per_s=images / elapsed if elapsed > 0 else 0.0,
                eta_s=elapsed / step * (num_iter - step),
            )
        )
        if smoothed_loss > diverge * best_smoothed:
            stop_reason = STOP_DIVERGED
            stop_detail = (
                f"smoothed loss {smoothed_loss:.4g} exceeded {diverge:g} x the best {best_smoothed:.4g} "
                f"at lr {lr:.3g} (iteration {step})"
            )
            break
        best_smoothed = min(best_smoothed, smoothed_loss)
    elapsed = time.perf_counter() - started
    if stop_detail:
        logger.debug("LR range test stopped early: %s", stop_detail)
        sink.on_log("info", f"LR range test stopped early: {stop_detail}")
    return LRFindResult(
        lrs=lrs,
        losses=losses,
        smoothed=smoothed,
        stopped_early=stop_reason is not None,
        stop_reason=stop_reason,
        stop_detail=stop_detail,
        suggestions=suggest(lrs, smoothed, skip_start, skip_end),
        elapsed_s=elapsed,
        images_per_s=images / elapsed if elapsed > 0 else 0.0,
    )


def _train_step(
    model: nn.Module, optimizer: torch.optim.Optimizer, loss_fn: Any, inputs: torch.Tensor, targets: torch.Tensor,
    bf16: bool,
) -> float:
    """One optimizer update; returns the loss as a Python float so the graph dies with this frame."""
    optimizer.zero_grad(set_to_none=True)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
    with autocast:
        loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    # One device sync per step: the LR test needs every loss value anyway. Read after the step so the
    # device is not left idle while the backward pass is queued.
    return float(loss.item())


def _cycle(batches: Iterable[Any]) -> Iterator[tuple[int, Any]]:
    """(pass number from 1, batch) forever, starting a new pass whenever one runs out."""
    data_pass = 0
    while True:
        set_epoch = getattr(batches, "set_epoch", None)
        if callable(set_epoch):
            set_epoch(data_pass)  # a new shuffle order per pass, as in training
        produced = False
        for batch in batches:
            produced = True
            yield data_pass + 1, batch
        if not produced:
            raise ValueError(
                "batches: no batches to train on (an exhausted iterator cannot be cycled; pass a loader)"
            )
        data_pass += 1


def _passes_needed(batches: Iterable[Any], num_iter: int) -> int:
    try:
        per_pass = len(batches)  # type: ignore[arg-type]
    except TypeError:
        return 1
    return max(1, math.ceil(num_iter / per_pass)) if per_pass else 1


def _model_device(model: nn.Module) -> torch.device:
    for tensor in model.parameters():
        return tensor.device
    return torch.device("cpu")


def _cuda_indices(device: torch.device) -> list[int]:
    """The CUDA device whose RNG the sweep may advance (dropout, random augmentation on the device)."""
    if device.type != "cuda":
        return []
    return [device.index if device.index is not None else torch.cuda.current_device()]
