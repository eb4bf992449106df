"""Time left of a training run: a smoothed training rate plus the evaluations still to come.

The rate is an exponential moving average of seconds per step over the windows read so far, weighted by
time (a window of 1 s moves it as much as ten of 0.1 s), with a time constant of SMOOTHING_S. The first
window (warm-up, compilation: often many times slower) only stands until the second replaces it. Evaluations are counted at their measured seconds per image; before
the first one, at a third of a training image's time (a forward pass without the backward pass).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SMOOTHING_S = 10.0  # time constant of the rate's moving average, in seconds of training
EVAL_COST_OF_TRAIN = 1 / 3  # an evaluated image against a trained one, until an evaluation is measured


@dataclass
class EtaEstimator:
    """Seconds left of a run of `epochs` x `steps_per_epoch` steps that evaluates as the config says."""

    steps_per_epoch: int
    epochs: int
    eval_every: int
    batch_size: int
    test_images: int
    train_images: int  # the final evaluation on the training set reads each of them once
    seconds_per_step: float | None = None  # smoothed
    seconds_per_eval_image: float | None = None  # smoothed
    windows: int = 0

    def add_window(self, steps: int, seconds: float) -> None:
        """A window of `steps` training steps took `seconds` (the reads of the loss included)."""
        if steps <= 0 or seconds <= 0:
            return
        rate = seconds / steps
        self.windows += 1
        if self.windows <= 2:  # the first window holds the warm-up: the second one replaces it
            self.seconds_per_step = rate
            return
        weight = 1.0 - math.exp(-seconds / SMOOTHING_S)
        self.seconds_per_step += weight * (rate - self.seconds_per_step)

    def add_evaluation(self, images: int, seconds: float) -> None:
        """An evaluation pass over `images` images took `seconds`."""
        if images <= 0 or seconds <= 0:
            return
        rate = seconds / images
        previous = self.seconds_per_eval_image
        self.seconds_per_eval_image = rate if previous is None else (previous + rate) / 2

    def evaluations_left(self, step: int) -> int:
        """Test-set evaluations still to run once `step` steps are done (the one at this step's epoch end included)."""
        return sum(
            1 for epoch in range(1, self.epochs + 1)
            if epoch * self.steps_per_epoch >= step and (epoch % self.eval_every == 0 or epoch == self.epochs)
        )

    def seconds_left(self, step: int) -> float | None:
        """Training steps left at the smoothed rate plus the evaluations left; None before any window."""
        if self.seconds_per_step is None:
            return None
        training = max(self.epochs * self.steps_per_epoch - step, 0) * self.seconds_per_step
        per_image = self.seconds_per_eval_image
        if per_image is None:
            per_image = self.seconds_per_step / max(self.batch_size, 1) * EVAL_COST_OF_TRAIN
        images = self.evaluations_left(step) * self.test_images + self.train_images
        return training + images * per_image
