"""A uint8 tensor cache of a decoded dataset, so that later loads skip the pickles and gzip (well under 1 s)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import torch

from trainboard.trainer.data.images import ImageData

logger = logging.getLogger(__name__)

# Bump when the decoded layout or the statistics change: older cache files are then ignored and rewritten.
CACHE_VERSION = 1

_TENSORS = ("train_x", "train_y", "test_x", "test_y")


def load_cache(path: Path, name: str, source: str = "") -> ImageData | None:
    """The cached dataset `name` at `path`, or None when absent, unreadable, of another version or of other files.

    `source` fingerprints the files the cache was made from (an image folder's); a different one means stale.
    """
    if not path.is_file():
        return None
    try:
        stored = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a truncated or foreign file is rebuilt, not fatal
        logger.warning("ignoring unreadable dataset cache %s: %s", path, error)
        return None
    if (
        not isinstance(stored, dict)
        or stored.get("version") != CACHE_VERSION
        or stored.get("name") != name
        or stored.get("source", "") != source
    ):
        logger.info("dataset cache %s is stale; rebuilding it", path)
        return None
    return ImageData(
        *(stored[key] for key in _TENSORS),
        classes=list(stored["classes"]),
        mean=tuple(stored["mean"]),
        std=tuple(stored["std"]),
        name=name,
    )


def save_cache(path: Path, data: ImageData, source: str = "") -> None:
    """Write `data` to `path` atomically; a read-only data folder only costs speed, so failures are logged."""
    stored = {key: getattr(data, key).contiguous() for key in _TENSORS}
    stored.update(
        version=CACHE_VERSION, name=data.name, classes=list(data.classes), mean=list(data.mean), std=list(data.std),
        source=source,
    )
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(stored, partial)
        os.replace(partial, path)  # readers see the old file or the whole new one, never half of it
    except OSError as error:
        partial.unlink(missing_ok=True)
        logger.warning("could not write dataset cache %s: %s", path, error)
