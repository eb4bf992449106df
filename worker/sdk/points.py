"""What `run.log` does on the training loop's thread: check, then append to a list. Nothing else.

A thread of its own hands the gathered points to the reporter every FLUSH_S as one metrics event, so a
loop that logs every step costs a dictionary per value, not an event, a JSON encoding or a request.
"""

from __future__ import annotations

import logging
import operator
import re
import threading
from collections.abc import Callable, Mapping
from math import isfinite
from typing import Any

log = logging.getLogger(__name__)

FLUSH_S = 0.1  # points wait at most this long on the script's side (the chart's delay, plus delivery)
MAX_PENDING = 100_000  # points gathered before the loop hands them over itself (a starved flusher)
METRIC_NAME = re.compile(r"^[A-Za-z0-9_.:/-]{1,100}$")  # the server's rule (worker_protocol.METRIC_NAME_PATTERN)
MAX_STEP = 2**31 - 1  # an INTEGER column


def check_name(name: Any) -> str:
    """The metric name, or a ValueError saying what a name may hold."""
    if not isinstance(name, str) or not METRIC_NAME.match(name):
        raise ValueError(f"metric name {name!r}: 1 to 100 letters, digits and _ . : / - (e.g. 'train/loss')")
    return name


def check_step(step: Any) -> int:
    """The step as an int in [0, 2**31 - 1], or a clear error."""
    try:
        value = operator.index(step)  # ints, NumPy integers; not floats, not bools' cousins like "3"
    except TypeError:
        raise TypeError(f"step must be an integer, got {type(step).__name__}") from None
    if isinstance(step, bool) or not 0 <= value <= MAX_STEP:
        raise ValueError(f"step must be an integer from 0 to {MAX_STEP}, got {step!r}")
    return value


class PointGatherer:
    """Points from `add` (any thread), handed to `deliver` in order from a background thread or `flush`."""

    def __init__(self, deliver: Callable[[list[dict[str, Any]]], None], flush_s: float = FLUSH_S) -> None:
        self._deliver = deliver
        self._pending: list[tuple[str, int, float]] = []  # (name, step, value) as logged
        self._lock = threading.Lock()  # guards _pending
        self._deliver_lock = threading.Lock()  # one hand-over at a time, in order
        self._known: set[str] = set()
        self.next_step = 1  # the step of a log call without one: the last step + 1, from 1
        self.last: dict[str, float | None] = {}  # the last value of each metric (the run's summary)
        self._quit = threading.Event()
        self._flush_s = flush_s
        self._thread = threading.Thread(target=self._loop, name="trainboard-points", daemon=True)
        self._thread.start()

    def add(self, metrics: Mapping[str, Any], step: int | None) -> None:
        """Check and gather one log call's values (the training loop's cost: see benchmarks/sdk_overhead.py)."""
        if step is None:
            at = self.next_step
        elif type(step) is int and 0 <= step <= MAX_STEP:
            at = step
        else:
            at = check_step(step)
        self.next_step = at + 1
        known = self._known
        try:
            rows = [(name, at, float(value)) for name, value in metrics.items()]
        except (TypeError, ValueError):
            raise TypeError(_not_a_number(metrics)) from None
        for name, _, _ in rows:
            if name not in known:
                known.add(check_name(name))
        with self._lock:
            self._pending.extend(rows)
            full = len(self._pending) >= MAX_PENDING
        if full:
            self.flush()

    def flush(self) -> None:
        """Hand every gathered point to the reporter now."""
        with self._deliver_lock:
            with self._lock:
                taken, self._pending = self._pending, []
            if taken:
                # On this thread, not the loop's: dicts for the reporter, NaN and inf as None (null in JSON).
                points = [{"name": n, "step": s, "value": v if isfinite(v) else None} for n, s, v in taken]
                for point in points:
                    self.last[point["name"]] = point["value"]
                self._deliver(points)

    def close(self) -> None:
        """Stop the background thread and hand over what is left."""
        self._quit.set()
        self._thread.join()
        self.flush()

    def _loop(self) -> None:
        while not self._quit.wait(self._flush_s):
            try:
                self.flush()
            except Exception:  # a reporter bug must not end the flushing; finish() reports it
                log.exception("handing points to the reporter failed")


def _not_a_number(metrics: Mapping[str, Any]) -> str:
    """The error for a log call with a value float() refuses, naming the first such metric."""
    for name, value in metrics.items():
        try:
            float(value)
        except (TypeError, ValueError):
            return f"run.log: {name!r} must be a number, got {type(value).__name__}"
    return "run.log: every value must be a number"
