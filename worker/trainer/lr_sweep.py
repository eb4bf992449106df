"""The learning rates an LR range test steps through: geometric ('exp') or evenly spaced ('linear'). No torch."""

from __future__ import annotations

from typing import Literal

SweepMode = Literal["exp", "linear"]


def sweep_lr(i: int, num_iter: int, start_lr: float, end_lr: float, mode: SweepMode = "exp") -> float:
    """The lr of iteration i (0-based) of num_iter.

    exp:    start * (end / start) ** (i / (n - 1))    (equal ratio between neighbours)
    linear: start + (end - start) * i / (n - 1)       (equal difference between neighbours)
    The first and last values are exactly start_lr and end_lr.
    """
    if num_iter < 2:
        raise ValueError(f"num_iter: need at least 2 iterations, got {num_iter}")
    if not 0 <= i < num_iter:
        raise ValueError(f"iteration {i} is outside 0..{num_iter - 1}")
    if start_lr <= 0 or end_lr <= start_lr:
        raise ValueError(f"need 0 < start_lr < end_lr, got start_lr={start_lr}, end_lr={end_lr}")
    if i == 0:
        return float(start_lr)
    if i == num_iter - 1:
        return float(end_lr)
    fraction = i / (num_iter - 1)
    if mode == "exp":
        return float(start_lr * (end_lr / start_lr) ** fraction)
    if mode == "linear":
        return float(start_lr + (end_lr - start_lr) * fraction)
    raise ValueError(f"mode: unknown sweep mode {mode!r}; valid: exp, linear")


def sweep_lrs(start_lr: float, end_lr: float, num_iter: int, mode: SweepMode = "exp") -> list[float]:
    """All num_iter learning rates of a sweep, in order (see sweep_lr for the formulas)."""
    return [sweep_lr(i, num_iter, start_lr, end_lr, mode) for i in range(num_iter)]
