"""A per-dataset file lock, so that workers starting together download, extract and cache a dataset once."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from trainboard.trainer.data.errors import DatasetUnavailableError

logger = logging.getLogger(__name__)

LOCK_TIMEOUT_S = 3600.0  # a first CIFAR-10 download on a slow link takes minutes; a stuck holder must not hang forever


@contextmanager
def exclusive_lock(path: Path, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if needed) for the block; none where the folder is read-only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(path, timeout=timeout_s)
        lock.acquire()
    except Timeout:
        raise DatasetUnavailableError(
            f"waited {timeout_s:.0f} s for {path}, held by another process preparing the same dataset"
        ) from None
    except OSError as error:  # a read-only data folder: nothing will be written there either
        logger.debug("no lock at %s: %s", path, error)
        yield
        return
    try:
        yield
    finally:
        lock.release()
