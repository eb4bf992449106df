"""Thin a series for plotting while keeping its spikes: per bucket, keep the smallest and the largest value."""

from __future__ import annotations

import numpy as np


def downsample_min_max(
    steps: list[int], values: list[float | None], max_points: int
) -> tuple[list[int], list[float | None]]:
    """At most `max_points` points of a series in step order.

    1. Split the points into max_points // 2 buckets of (nearly) equal count.
    2. From each bucket keep the point with the lowest and the one with the highest value, in step order,
       so a one-step spike (a loss blow-up, a dip in accuracy) is still there after thinning.
    Null values (non-finite) count as neither; a bucket of nulls only keeps one, so divergence stays visible.
    """
    count = len(steps)
    if count <= max_points:
        return list(steps), list(values)
    buckets = max(1, max_points // 2)
    y = np.array(values, dtype=float)  # None -> nan
    bucket_of = (np.arange(count) * buckets) // count  # (count,) bucket index of each point, non-decreasing
    first = np.searchsorted(bucket_of, np.arange(buckets))  # (buckets,) index of each bucket's first point
    # 1. Sort by (bucket, value): numpy puts nan last, so each bucket's first entry is its minimum...
    lowest = np.lexsort((y, bucket_of))[first]
    # 2. ...and by (bucket, -value) for the maximum.
    highest = np.lexsort((-y, bucket_of))[first]
    kept = np.unique(np.concatenate([lowest, highest]))  # sorted: step order
    return [steps[i] for i in kept.tolist()], [values[i] for i in kept.tolist()]
