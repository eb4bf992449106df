"""The divergence watchdog: looks at each read of the step window and says when training has diverged.

Three rules, each checked on the host from values the window read already carries (no extra device sync):
    1. a non-finite loss;
    2. the smoothed loss (a bias-corrected moving average, see lr_smoothing.py) above `loss_factor` x its
       best and above its start: a loss that only rose back towards where it began has not blown up;
    3. the gradient norm (of the last step of a window) above `grad_factor` x the median of the earlier ones.
No torch import.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from trainboard.trainer.lr_smoothing import LossSmoother

LOSS_SMOOTHING = 0.02  # weight of each step's loss in the moving average (about 50 steps of memory)
WARMUP_STEPS = 50  # steps the smoothed loss settles over before rule 2 applies
GRAD_HISTORY = 3  # earlier gradient norms needed before rule 3 applies


class TrainingDivergedError(RuntimeError):
    """The watchdog stopped the run: the loss became non-finite, or the loss or the gradient norm blew up."""


@dataclass
class Watchdog:
    """Feed it every window read; `check` returns why training diverged, or None."""

    loss_factor: float | None
    grad_factor: float | None
    _smoother: LossSmoother = field(default_factory=lambda: LossSmoother(LOSS_SMOOTHING))
    _steps_seen: int = 0
    _start: float | None = None  # the smoothed loss at the end of the warm-up
    _best: float = math.inf
    _grad_norms: list[float] = field(default_factory=list)

    def check(self, steps: list[int], losses: list[float], grad_norm: float | None) -> str | None:
        """The reason the window (`steps`, their `losses`, the last step's gradient norm) shows divergence."""
        for step, loss in zip(steps, losses):
            if not math.isfinite(loss):
                return f"loss is {loss} at step {step}"
            reason = self._add_loss(step, loss)
            if reason:
                return reason
        if grad_norm is not None and steps:
            return self._add_grad_norm(steps[-1], grad_norm)
        return None

    def _add_loss(self, step: int, loss: float) -> str | None:
        smoothed = self._smoother.update(loss)
        self._steps_seen += 1
        if self._steps_seen < WARMUP_STEPS:
            return None
        if self._start is None:
            self._start = smoothed
        self._best = min(self._best, smoothed)
        factor = self.loss_factor
        if factor is not None and smoothed > factor * self._best and smoothed > self._start:
            return (f"smoothed loss {smoothed:.4g} at step {step} is above {factor:g} x its best {self._best:.4g} "
                    f"(and above its start {self._start:.4g})")
        return None

    def _add_grad_norm(self, step: int, norm: float) -> str | None:
        if not math.isfinite(norm):
            return f"gradient norm is {norm} at step {step}"
        earlier = self._grad_norms
        factor = self.grad_factor
        reason = None
        if factor is not None and len(earlier) >= GRAD_HISTORY:
            median = statistics.median(earlier)
            if median > 0 and norm > factor * median:
                reason = f"gradient norm {norm:.4g} at step {step} is above {factor:g} x its median {median:.4g}"
        earlier.append(norm)
        del earlier[:-100]  # the median of the last 100 reads: enough history, bounded memory
        return reason
