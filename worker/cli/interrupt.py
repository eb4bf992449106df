"""Ctrl-C for commands that train here: the first asks for a clean stop, a second aborts."""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Callable, Iterator
from types import FrameType

log = logging.getLogger(__name__)


@contextlib.contextmanager
def stop_on_first_interrupt(request_stop: Callable[[], None]) -> Iterator[None]:
    """While active, the first Ctrl-C calls request_stop() (end after this step, keep the work); a second aborts."""
    previous = signal.getsignal(signal.SIGINT)

    def on_interrupt(_signum: int, _frame: FrameType | None) -> None:
        request_stop()
        log.warning("stopping after this step (press Ctrl-C again to abort)")
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
