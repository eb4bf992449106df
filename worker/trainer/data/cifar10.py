"""CIFAR-10 from the official python pickle batches (extracted folder or tarball), downloaded when absent."""

from __future__ import annotations

import logging
import os
import pickle
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from trainboard.trainer.data.errors import DatasetUnavailableError
from trainboard.trainer.data.images import ImageData, channel_stats
from trainboard.trainer.data.paths import (
    CIFAR10_FILES,
    CIFAR10_FOLDER,
    CIFAR10_TARBALL,
    CIFAR10_TRAIN_BATCHES,
    cifar10_folder_complete,
)

logger = logging.getLogger(__name__)

# The official tarball and its checksum (as published with the dataset and used by torchvision).
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
URL_ENV = "TRAINBOARD_CIFAR10_URL"  # a mirror for machines that cannot reach the official host

# The seed report's short class names, in label order.
CIFAR10_CLASSES = ["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def read_cifar10(data_dir: Path, download: bool = True) -> ImageData:
    """Both CIFAR-10 splits from data_dir/cifar-10-batches-py, extracting or downloading the tarball if needed."""
    folder = ensure_cifar10_folder(data_dir, download)
    train = [_read_batch(folder / batch) for batch in CIFAR10_TRAIN_BATCHES]
    train_x = torch.cat([x for x, _ in train])
    train_y = torch.cat([y for _, y in train])
    test_x, test_y = _read_batch(folder / "test_batch")
    meta = _unpickle(folder / "batches.meta")
    label_names = meta.get(b"label_names", meta.get("label_names", []))
    if len(label_names) != len(CIFAR10_CLASSES):
        raise DatasetUnavailableError(f"{folder / 'batches.meta'} lists {len(label_names)} classes, expected 10")
    mean, std = channel_stats(train_x)
    return ImageData(train_x, train_y, test_x, test_y, list(CIFAR10_CLASSES), mean, std, "cifar10")


def ensure_cifar10_folder(data_dir: Path, download: bool) -> Path:
    """The complete cifar-10-batches-py folder in data_dir: as found, extracted from the tarball, or downloaded."""
    folder = data_dir / CIFAR10_FOLDER
    if cifar10_folder_complete(data_dir):
        return folder
    if not (data_dir / CIFAR10_TARBALL).is_file():
        if not download:
            raise DatasetUnavailableError(_missing_message(data_dir, "downloads are off"))
        _download(data_dir)
    _extract(data_dir / CIFAR10_TARBALL, data_dir)
    if not cifar10_folder_complete(data_dir):
        raise DatasetUnavailableError(_missing_message(data_dir, f"{CIFAR10_TARBALL} did not complete it"))
    return folder


def _missing_files(folder: Path) -> str:
    return ", ".join(file for file in CIFAR10_FILES if not (folder / file).is_file())


def _missing_message(data_dir: Path, reason: str) -> str:
    folder = data_dir / CIFAR10_FOLDER
    if folder.is_dir():
        reason = f"{CIFAR10_FOLDER} lacks {_missing_files(folder)}; {reason}"
    return (
        f"CIFAR-10 is not in {data_dir} ({reason}); put {CIFAR10_TARBALL} "
        f"(from {CIFAR10_URL}) or its extracted {CIFAR10_FOLDER} folder in {data_dir}"
    )


def _download(data_dir: Path) -> None:
    # Imported here: torchvision's dataset utilities are only needed for this one download.
    from torchvision.datasets.utils import download_url

    url = os.environ.get(URL_ENV) or CIFAR10_URL
    logger.info("downloading CIFAR-10 from %s into %s", url, data_dir)
    tarball = data_dir / CIFAR10_TARBALL
    try:
        download_url(url, str(data_dir), filename=CIFAR10_TARBALL, md5=CIFAR10_MD5)
    except Exception as error:  # network, HTTP and checksum failures all mean the same to the user
        tarball.unlink(missing_ok=True)  # a partial or corrupted download must not be mistaken for the dataset
        reason = f"download from {url} failed: {type(error).__name__}: {error}".replace("\n", " ")
        raise DatasetUnavailableError(_missing_message(data_dir, reason)) from error


def _extract(tarball: Path, data_dir: Path) -> None:
    logger.info("extracting %s", tarball)
    try:
        with tarfile.open(tarball, "r:gz") as archive:
            archive.extractall(data_dir, filter="data")  # refuses absolute paths and links out of data_dir
    except (tarfile.TarError, OSError, EOFError) as error:
        raise DatasetUnavailableError(
            f"{tarball} is damaged ({error}); delete it and put the official {CIFAR10_TARBALL} in {data_dir}"
        ) from error


def _unpickle(path: Path) -> dict[Any, Any]:
    # The official batches are Python 2 pickles of numpy arrays; "bytes" keeps their byte-string keys.
    with open(path, "rb") as file:
        return pickle.load(file, encoding="bytes")


def _read_batch(path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """Images uint8 (N, 3, 32, 32) and labels int64 (N,) of one pickle batch file."""
    batch = _unpickle(path)
    data = np.asarray(batch.get(b"data", batch.get("data")), dtype=np.uint8)
    labels = np.asarray(batch.get(b"labels", batch.get("labels")), dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or labels.shape != (data.shape[0],):
        raise DatasetUnavailableError(f"{path} is not a CIFAR-10 batch (data {data.shape}, labels {labels.shape})")
    # Rows are 1024 red, then 1024 green, then 1024 blue values, each row-major 32x32.
    images = torch.from_numpy(data.reshape(-1, 3, 32, 32).copy())
    return images, torch.from_numpy(labels)
