"""Rules that pick a learning rate from an LR range test curve: pure functions of plain lists. No torch.

Every rule takes the swept learning rates and the smoothed losses (same length, lr increasing) and
returns one lr, or None when the curve gives it nothing to work with (too short, never falls).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

RULES: tuple[str, ...] = ("steepest", "valley", "minimum")
DISAGREEMENT_RATIO = 10.0  # rules further apart than this factor are reported as disagreeing
VALLEY_MIN_POINTS = 3  # a falling stretch shorter than this is no valley


@dataclass(frozen=True)
class Suggestions:
    """The lr of every rule (None where a rule cannot apply), the recommended rule, and whether the rules disagree."""

    values: dict[str, float | None]
    recommended: str | None
    disagreement: bool

    @property
    def recommended_lr(self) -> float | None:
        """The lr of the recommended rule, or None when no rule applies."""
        return self.values[self.recommended] if self.recommended else None


def log_lr_slopes(lrs: Sequence[float], smoothed: Sequence[float]) -> list[float]:
    """The slope of the smoothed loss against log10(lr) at each point.

    Central differences inside, (s[j+1] - s[j-1]) / (log10 lr[j+1] - log10 lr[j-1]); one-sided at the two ends.
    """
    _check_curve(lrs, smoothed)
    n = len(lrs)
    if n < 2:
        return []
    x = [math.log10(lr) for lr in lrs]
    slopes = []
    for j in range(n):
        left, right = max(j - 1, 0), min(j + 1, n - 1)
        slopes.append((smoothed[right] - smoothed[left]) / (x[right] - x[left]))
    return slopes


def steepest(lrs: Sequence[float], smoothed: Sequence[float], skip_start: int = 10, skip_end: int = 5) -> float | None:
    """The lr where the smoothed loss falls fastest against log10(lr), ignoring the first and last points.

    Only points skip_start .. n - skip_end - 1 are candidates (the first smoothed points are noisy, the
    last ones are the blow-up). None when no candidate remains or the loss rises at all of them.
    """
    slopes = log_lr_slopes(lrs, smoothed)
    candidates = range(skip_start, len(slopes) - skip_end)
    if not candidates:
        return None
    best = min(candidates, key=lambda j: slopes[j])  # first index on ties
    return float(lrs[best]) if slopes[best] < 0 else None


def valley(lrs: Sequence[float], smoothed: Sequence[float]) -> float | None:
    """The lr in the middle of the longest falling stretch of the curve (fastai's 'valley' rule).

    1. lds[i] = length of the longest strictly decreasing subsequence of the smoothed losses ending at i.
    2. end = the first index with the largest lds; length = lds[end].
    3. The stretch is the `length` points ending at `end`: where the loss falls at every step the
       subsequence takes every point, so the stretch sits on the steady fall, not on the noisy plateau before it.
    4. Return the lr at the middle of the stretch, index start + (end - start) // 2.
    None when the longest falling subsequence has fewer than VALLEY_MIN_POINTS points.
    """
    _check_curve(lrs, smoothed)
    # Step 1 by patience sorting, O(n log n): a strictly decreasing run of s is a strictly increasing run of -s.
    # tails[k] = the smallest last value (of -s) of an increasing subsequence of length k + 1 seen so far.
    tails: list[float] = []
    lds: list[int] = []
    for value in smoothed:
        position = bisect_left(tails, -value)
        if position == len(tails):
            tails.append(-value)
        else:
            tails[position] = -value
        lds.append(position + 1)
    if not lds or max(lds) < VALLEY_MIN_POINTS:
        return None
    end = lds.index(max(lds))
    start = max(end - lds[end] + 1, 0)
    return float(lrs[start + (end - start) // 2])


def minimum(lrs: Sequence[float], smoothed: Sequence[float]) -> float | None:
    """The lr at the lowest smoothed loss divided by 10 (the loss is still falling a decade below it)."""
    _check_curve(lrs, smoothed)
    if not smoothed:
        return None
    lowest = min(range(len(smoothed)), key=lambda j: smoothed[j])  # first index on ties
    return float(lrs[lowest]) / 10


def suggest(lrs: Sequence[float], smoothed: Sequence[float], skip_start: int = 10, skip_end: int = 5) -> Suggestions:
    """Apply every rule; recommend the rule with the median lr (the lower middle one when two apply).

    The median is robust to one rule going astray on a noisy curve. The rules disagree when the largest
    suggestion is more than DISAGREEMENT_RATIO times the smallest.
    """
    values: dict[str, float | None] = {
        "steepest": steepest(lrs, smoothed, skip_start, skip_end),
        "valley": valley(lrs, smoothed),
        "minimum": minimum(lrs, smoothed),
    }
    available = sorted((lr, RULES.index(rule), rule) for rule, lr in values.items() if lr is not None)
    if not available:
        return Suggestions(values, None, False)
    recommended = available[(len(available) - 1) // 2][2]
    disagreement = len(available) > 1 and available[-1][0] > DISAGREEMENT_RATIO * available[0][0]
    return Suggestions(values, recommended, disagreement)


def _check_curve(lrs: Sequence[float], smoothed: Sequence[float]) -> None:
    if len(lrs) != len(smoothed):
        raise ValueError(f"lrs and smoothed losses differ in length: {len(lrs)} != {len(smoothed)}")
