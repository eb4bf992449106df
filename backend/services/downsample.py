"""Thin a series for plotting while keeping its spikes: per bucket, keep the smallest and the largest value."""

from __future__ import annotations

import math


def downsample_min_max(
    steps: list[int], values: list[float | None], max_points: int
) -> tuple[list[int], list[float | None]]:
    """At most `max_points` points of a series in step order.

    1. Split the points into max_points // 2 buckets of (nearly) equal count.
    2. From each bucket keep the point with the lowest and the one with the highest value, in step order,
       so a one-step spike (a loss blow-up, a dip in accuracy) is still there after thinning.
    A bucket whose values are all null (non-finite) keeps its first point, so divergence stays visible.
    """
    count = len(steps)
    if count <= max_points:
        return list(steps), list(values)
    buckets = max(1, max_points // 2)
    kept: list[int] = []  # indices into steps/values
    for bucket in range(buckets):
        start, stop = bucket * count // buckets, (bucket + 1) * count // buckets
        finite = [(value, i) for i in range(start, stop) if (value := values[i]) is not None and math.isfinite(value)]
        if not finite:
            kept.append(start)
            continue
        lowest, highest = min(finite)[1], max(finite)[1]
        kept.extend(sorted({lowest, highest}))
    return [steps[i] for i in kept], [values[i] for i in kept]
