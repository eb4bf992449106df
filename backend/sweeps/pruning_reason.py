"""Why the pruner stopped a trial, in words a person can check against the trials table."""

from __future__ import annotations

import statistics

from trainboard.backend.sweeps.study import REDUCTION_FACTOR


def format_value(metric: str, value: float) -> str:
    """An accuracy as a percentage, a loss with four decimals."""
    return f"{100 * value:.1f} %" if metric.endswith("_acc") else f"{value:.4f}"


def _ranked(values: list[float], maximize: bool) -> list[float]:
    return sorted(values, reverse=maximize)


def prune_reason(pruner: str, metric: str, maximize: bool, epoch: int, value: float, rung_values: list[float]) -> str:
    """The reason text: the trial's value at the epoch it stopped and the bar it did not reach.

    rung_values: every trial's value at that epoch, this trial's included.
    """
    mine = f"epoch {epoch} {metric} {format_value(metric, value)}"
    ranked = _ranked(rung_values, maximize)
    if pruner == "asha" and ranked:
        # Successive halving promotes the best 1/3 of the trials that reached a rung (at least the best one).
        bar = ranked[max(len(ranked) // REDUCTION_FACTOR - 1, 0)]
        return (f"{mine} is not in the best 1/{REDUCTION_FACTOR} of the {len(ranked)} trials at epoch {epoch} "
                f"(the bar: {format_value(metric, bar)})")
    if pruner == "median" and len(ranked) > 1:
        others = list(rung_values)
        others.remove(value)
        middle = statistics.median(others)
        word = "below" if maximize else "above"
        return f"{mine} is {word} the median {format_value(metric, middle)} of {len(others)} other trials at epoch {epoch}"
    return f"{mine}: stopped by the {pruner} pruner"
