"""load_dataset: one entry point for every dataset, with the tensor cache in front of the slow readers."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from trainboard.trainer.data.availability import DATASETS
from trainboard.trainer.data.locking import exclusive_lock
from trainboard.trainer.data.paths import cache_path, resolve_data_dir

if TYPE_CHECKING:
    from trainboard.trainer.data.images import ImageData

logger = logging.getLogger(__name__)


def load_dataset(name: str, data_dir: Path | None = None, download: bool = True) -> "ImageData":
    """Dataset `name` ("cifar10", "fashion-mnist", "synthetic") as uint8 tensors; raises DatasetUnavailableError."""
    # Torch-using modules are imported here so that importing this package stays light for the backend.
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid datasets: {', '.join(DATASETS)}")
    if name == "synthetic":
        from trainboard.trainer.data.synthetic import make_synthetic

        return make_synthetic()

    from trainboard.trainer.data.cache import load_cache, save_cache

    folder = resolve_data_dir(data_dir)
    cache = cache_path(folder, name)
    cached = load_cache(cache, name)
    if cached is not None:
        return cached
    # Workers that start together wait here for the first one's download, extraction and cache.
    with exclusive_lock(cache.with_suffix(".lock")):
        cached = load_cache(cache, name)
        if cached is not None:
            return cached
        started = time.perf_counter()
        data = _decode(name, folder, download)
        logger.info("decoded %s in %.1f s; caching it at %s", name, time.perf_counter() - started, cache)
        save_cache(cache, data)
    return data


def _decode(name: str, folder: Path, download: bool) -> "ImageData":
    """Read dataset `name` from its original files (slow: pickles, gzip)."""
    if name == "cifar10":
        from trainboard.trainer.data.cifar10 import read_cifar10

        return read_cifar10(folder, download=download)
    from trainboard.trainer.data.fashion_mnist import read_fashion_mnist

    return read_fashion_mnist(folder)
