"""The smoothed loss of an LR range test: an exponential moving average with bias correction. No torch."""

from __future__ import annotations

from collections.abc import Iterable


class LossSmoother:
    """Bias-corrected exponential moving average of a loss sequence, updated one value at a time.

    With factor f (the weight of each new value) and losses x_0, x_1, ...:
        1. avg_i      = (1 - f) * avg_{i-1} + f * x_i,   avg_{-1} = 0
        2. smoothed_i = avg_i / (1 - (1 - f) ** (i + 1))
    Step 2 removes the pull towards the zero start (as Adam does), so smoothed_0 = x_0 and every
    smoothed value is a weighted mean of the losses seen so far. f = 0 means no smoothing: smoothed_i = x_i.
    """

    def __init__(self, factor: float) -> None:
        if not 0 <= factor < 1:
            raise ValueError(f"smooth: factor must be in [0, 1), got {factor}")
        self.factor = factor
        self._average = 0.0
        self._count = 0

    def update(self, loss: float) -> float:
        """Add one loss and return the smoothed value up to and including it."""
        self._count += 1
        if self.factor == 0:
            return float(loss)
        self._average = (1 - self.factor) * self._average + self.factor * loss
        return self._average / (1 - (1 - self.factor) ** self._count)


def smooth_losses(losses: Iterable[float], factor: float) -> list[float]:
    """The bias-corrected EMA of a whole loss sequence (see LossSmoother)."""
    smoother = LossSmoother(factor)
    return [smoother.update(loss) for loss in losses]
