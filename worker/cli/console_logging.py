"""Log lines of commands that show a progress bar: plain messages on stderr, written above the bar."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from tqdm.contrib.logging import logging_redirect_tqdm


@contextlib.contextmanager
def console_logging(quiet: bool) -> Iterator[None]:
    """Plain message lines (warnings only when `quiet`) that tqdm keeps above its bar, for the block."""
    root = logging.getLogger()
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    saved_handlers, saved_level = root.handlers[:], root.level
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if quiet else logging.INFO)
    try:
        # logging_redirect_tqdm swaps the stream handlers of these loggers for ones that write via tqdm.write.
        with logging_redirect_tqdm([root]):
            yield
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
