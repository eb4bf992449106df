"""load_dataset: one entry point for every dataset (built-in, a plugin's, or found in the data directory),
with the tensor cache in front of the slow readers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from trainboard.plugins.registry import dataset_entry, registered_datasets
from trainboard.trainer.data.availability import DATASETS
from trainboard.trainer.data.discovery import discover_datasets, folder_fingerprint
from trainboard.trainer.data.errors import DatasetUnavailableError
from trainboard.trainer.data.layouts import TORCHVISION_LAYOUTS
from trainboard.trainer.data.locking import exclusive_lock
from trainboard.trainer.data.paths import cache_path, resolve_data_dir

if TYPE_CHECKING:
    from trainboard.trainer.data.images import ImageData

logger = logging.getLogger(__name__)


class UnknownDatasetError(ValueError):
    """A dataset name that is neither built in, registered by a plugin, nor found in the data directory."""


def load_dataset(
    name: str, data_dir: Path | None = None, download: bool = True, image_size: int | None = None
) -> "ImageData":
    """Dataset `name` as uint8 tensors; raises UnknownDatasetError or DatasetUnavailableError.

    `image_size` is a hint for image folders, which are decoded at that size (other datasets keep their
    own; the training setup resizes them).
    """
    # Torch-using modules are imported here so that importing this package stays light for the backend.
    folder = resolve_data_dir(data_dir)
    if name == "synthetic":
        from trainboard.trainer.data.synthetic import make_synthetic

        return make_synthetic()
    if name in DATASETS:
        return _cached(folder, name, name, "", lambda: _decode_builtin(name, folder, download))
    entry = dataset_entry(name)
    if entry is not None:
        from trainboard.trainer.data.arrays import as_image_data

        return as_image_data(name, entry.load(folder))
    found = discover_datasets(folder, reserved=DATASETS).get(name)
    if found is None:
        available = [*DATASETS, *registered_datasets(), *discover_datasets(folder, reserved=DATASETS)]
        raise UnknownDatasetError(f"unknown dataset {name!r}; valid datasets: {', '.join(available)}")
    if found.kind == "npz":
        from trainboard.trainer.data.npz import read_npz

        return read_npz(found.path, name)
    from trainboard.trainer.data.image_folder import read_image_folder

    cache_key = f"{name}@{image_size or 'native'}"
    return _cached(
        folder, cache_key, name, folder_fingerprint(found.path), lambda: read_image_folder(found.path, name, image_size)
    )


def _cached(folder: Path, key: str, name: str, source: str, decode: Callable[[], "ImageData"]) -> "ImageData":
    """The dataset from its tensor cache, or decoded (once, under a lock shared by all workers) and cached."""
    from trainboard.trainer.data.cache import load_cache, save_cache

    cache = cache_path(folder, key)
    cached = load_cache(cache, name, source)
    if cached is not None:
        return cached
    # Workers that start together wait here for the first one's download, extraction and cache.
    with exclusive_lock(cache.with_suffix(".lock")):
        cached = load_cache(cache, name, source)
        if cached is not None:
            return cached
        started = time.perf_counter()
        data = decode()
        logger.info("decoded %s in %.1f s; caching it at %s", name, time.perf_counter() - started, cache)
        save_cache(cache, data, source)
    return data


def _decode_builtin(name: str, folder: Path, download: bool) -> "ImageData":
    """Read built-in dataset `name` from its original files (slow: pickles, gzip)."""
    if name == "cifar10":
        from trainboard.trainer.data.cifar10 import read_cifar10

        return read_cifar10(folder, download=download)
    if name in TORCHVISION_LAYOUTS:
        from trainboard.trainer.data.torchvision_formats import read_torchvision_format

        return read_torchvision_format(name, folder, download=download)
    if name == "fashion-mnist":
        from trainboard.trainer.data.fashion_mnist import read_fashion_mnist

        return read_fashion_mnist(folder)
    raise DatasetUnavailableError(f"no reader for built-in dataset {name!r}")
