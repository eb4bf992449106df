"""Per-step learning-rate schedules as pure functions of the step, and StepSchedule, which applies one.

Steps count optimizer updates from 0; `lr_at(t, ...)` is the LR used by update t. Schedules:
    constant  the base LR
    cosine    as torch's CosineAnnealingLR stepped once per batch with T_max = all steps and eta_min = 0
              (what the seed did): lr = base * (1 + cos(pi * t / T)) / 2
    onecycle  linear from 0 up to the base LR over the warmup (default: the first 25 % of the steps),
              then linear down to 0 at the end, like Page's piecewise-linear ResNet-9 schedule
    step      the base LR times step_gamma ** (completed epochs // step_size_epochs)
A linear warmup of `warmup_epochs` (from 0) precedes constant, cosine and step; cosine then anneals over
the steps after the warmup.

Because the LR is a pure function of the step, a schedule has no state of its own: a checkpoint's global
step is all a resumed run needs to continue it.
"""

from __future__ import annotations

import math

import torch

from trainboard.trainer.config import TrainConfig

ONECYCLE_DEFAULT_RISE = 0.25  # fraction of all steps spent rising when warmup_epochs is 0


def lr_factor(step: int, total_steps: int, steps_per_epoch: int, config: TrainConfig) -> float:
    """The multiple of config.lr used by update `step` (0-based) of a run of `total_steps` updates."""
    total_steps = max(total_steps, 1)
    warmup_steps = min(round(config.warmup_epochs * steps_per_epoch), total_steps)

    if config.schedule == "onecycle":
        rise = warmup_steps or max(round(ONECYCLE_DEFAULT_RISE * total_steps), 1)
        rise = min(rise, total_steps)
        if step < rise:
            return (step + 1) / rise
        fall = max(total_steps - rise, 1)
        return max(total_steps - step, 0) / fall

    if step < warmup_steps:
        return (step + 1) / warmup_steps

    if config.schedule == "constant":
        return 1.0
    if config.schedule == "cosine":
        # 1. position after the warmup; 2. CosineAnnealingLR's closed form with eta_min = 0.
        t = step - warmup_steps
        span = max(total_steps - warmup_steps, 1)
        return (1.0 + math.cos(math.pi * t / span)) / 2.0
    if config.schedule == "step":
        completed_epochs = step // max(steps_per_epoch, 1)
        return config.step_gamma ** (completed_epochs // config.step_size_epochs)
    raise ValueError(f"schedule: unknown schedule {config.schedule!r}; valid: constant, cosine, onecycle, step")


def lr_at(step: int, total_steps: int, steps_per_epoch: int, config: TrainConfig) -> float:
    """The learning rate used by update `step` (0-based)."""
    return config.lr * lr_factor(step, total_steps, steps_per_epoch, config)


class StepSchedule:
    """Sets the optimizer's LR to lr_at(step) before each update.

    Cheaper per step than a torch LRScheduler (no wrapper around optimizer.step, no list of LRs per call),
    which matters when a step takes a millisecond.
    """

    def __init__(
        self, optimizer: torch.optim.Optimizer, total_steps: int, steps_per_epoch: int, config: TrainConfig
    ) -> None:
        self.optimizer = optimizer
        self.total_steps = total_steps
        self.steps_per_epoch = steps_per_epoch
        self.config = config

    def apply(self, step: int) -> float:
        """Set the LR of update `step` (0-based) on every parameter group and return it."""
        lr = lr_at(step, self.total_steps, self.steps_per_epoch, self.config)
        groups = self.optimizer.param_groups
        if groups[0]["lr"] != lr:  # a constant schedule writes nothing after the first step
            for group in groups:
                group["lr"] = lr
        return lr
