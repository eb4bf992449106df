"""Waiting for something another process or thread does. The timeouts are hang guards, generous on purpose:
a loaded machine may be slow, and no test asserts how long anything takes (that is what benchmarks/ measure)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

HANG_GUARD_S = 120.0


def wait_until(condition: Callable[[], Any], what: str, timeout_s: float = HANG_GUARD_S, interval_s: float = 0.05) -> Any:
    """Poll condition() until it returns something truthy, and return that; fail naming `what` after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout_s:.0f} s waiting for {what}")
        time.sleep(interval_s)
