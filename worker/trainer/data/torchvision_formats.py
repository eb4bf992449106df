"""MNIST, KMNIST, CIFAR-100, STL-10 and SVHN from the files torchvision's dataset classes download.

Read from the data directory in torchvision's own layout; when absent (and downloads are allowed),
torchvision's dataset class downloads and checksums them there first. MNIST-like 28x28 images are
padded to 32x32 as Fashion-MNIST is, so every network's 32x32 geometry applies.
"""

from __future__ import annotations

import logging
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from trainboard.trainer.data.errors import DatasetUnavailableError
from trainboard.trainer.data.fashion_mnist import pad_to_32, read_idx
from trainboard.trainer.data.images import ImageData, channel_stats
from trainboard.trainer.data.layouts import TORCHVISION_LAYOUTS, missing_files

logger = logging.getLogger(__name__)

KMNIST_CLASSES = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]


@dataclass
class _Splits:
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    classes: list[str]


def _idx_pair(folder: Path, images: str, labels: str) -> tuple[torch.Tensor, torch.Tensor]:
    x = pad_to_32(read_idx(folder / images))
    y = torch.from_numpy(read_idx(folder / labels).astype(np.int64))
    return x, y


def _read_mnist_like(data_dir: Path, name: str, classes: list[str]) -> _Splits:
    folder = data_dir / TORCHVISION_LAYOUTS[name].folder
    train_x, train_y = _idx_pair(folder, "train-images-idx3-ubyte", "train-labels-idx1-ubyte")
    test_x, test_y = _idx_pair(folder, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    return _Splits(train_x, train_y, test_x, test_y, classes)


def _cifar100_split(path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    with open(path, "rb") as file:
        batch = pickle.load(file, encoding="bytes")  # the official files are Python 2 pickles
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    labels = np.asarray(batch[b"fine_labels"], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or labels.shape != (data.shape[0],):
        raise DatasetUnavailableError(f"{path} is not a CIFAR-100 file (data {data.shape}, labels {labels.shape})")
    return torch.from_numpy(data.reshape(-1, 3, 32, 32).copy()), torch.from_numpy(labels)


def _read_cifar100(data_dir: Path) -> _Splits:
    folder = data_dir / TORCHVISION_LAYOUTS["cifar100"].folder
    train_x, train_y = _cifar100_split(folder / "train")
    test_x, test_y = _cifar100_split(folder / "test")
    with open(folder / "meta", "rb") as file:
        meta = pickle.load(file, encoding="bytes")
    classes = [n.decode() if isinstance(n, bytes) else str(n) for n in meta[b"fine_label_names"]]
    return _Splits(train_x, train_y, test_x, test_y, classes)


def _stl10_split(folder: Path, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    # 96x96 colour images stored column-major per channel; labels 1..10.
    images = np.fromfile(folder / f"{split}_X.bin", dtype=np.uint8).reshape(-1, 3, 96, 96).transpose(0, 1, 3, 2)
    labels = np.fromfile(folder / f"{split}_y.bin", dtype=np.uint8).astype(np.int64) - 1
    if labels.shape != (images.shape[0],):
        raise DatasetUnavailableError(f"{folder}: {split}_X.bin holds {images.shape[0]} images, {split}_y.bin {labels.shape[0]} labels")
    return torch.from_numpy(np.ascontiguousarray(images)), torch.from_numpy(labels)


def _read_stl10(data_dir: Path) -> _Splits:
    folder = data_dir / TORCHVISION_LAYOUTS["stl10"].folder
    train_x, train_y = _stl10_split(folder, "train")
    test_x, test_y = _stl10_split(folder, "test")
    classes = (folder / "class_names.txt").read_text().split()
    return _Splits(train_x, train_y, test_x, test_y, classes)


def _svhn_split(path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    try:
        from scipy.io import loadmat
    except ImportError:
        raise DatasetUnavailableError("SVHN's .mat files need scipy: pip install scipy") from None
    mat = loadmat(str(path))
    images = np.ascontiguousarray(mat["X"].transpose(3, 2, 0, 1))  # (32, 32, 3, N) -> (N, 3, 32, 32)
    labels = mat["y"].astype(np.int64).reshape(-1) % 10  # the digit 0 is stored as label 10
    return torch.from_numpy(images), torch.from_numpy(labels)


def _read_svhn(data_dir: Path) -> _Splits:
    folder = data_dir / TORCHVISION_LAYOUTS["svhn"].folder
    train_x, train_y = _svhn_split(folder / "train_32x32.mat")
    test_x, test_y = _svhn_split(folder / "test_32x32.mat")
    return _Splits(train_x, train_y, test_x, test_y, [str(d) for d in range(10)])


_READERS = {
    "mnist": lambda d: _read_mnist_like(d, "mnist", [str(k) for k in range(10)]),
    "kmnist": lambda d: _read_mnist_like(d, "kmnist", list(KMNIST_CLASSES)),
    "cifar100": _read_cifar100,
    "stl10": _read_stl10,
    "svhn": _read_svhn,
}


def _download(name: str, data_dir: Path) -> None:
    """Fetch dataset `name` with torchvision's own class, which verifies each file's checksum."""
    import torchvision.datasets as tv

    layout = TORCHVISION_LAYOUTS[name]
    logger.info("downloading %s into %s with torchvision.datasets.%s", name, data_dir, layout.torchvision_class)
    dataset_class = getattr(tv, layout.torchvision_class)
    try:
        if name in ("stl10", "svhn"):
            for split in ("train", "test"):
                dataset_class(str(data_dir), split=split, download=True)
        else:
            for train in (True, False):
                dataset_class(str(data_dir), train=train, download=True)
    except Exception as error:  # network, HTTP and checksum failures all mean the same to the user
        raise DatasetUnavailableError(
            f"{name} is not in {data_dir} and its download failed ({type(error).__name__}: {error}); "
            f"put torchvision's files there: {', '.join(layout.files)}"
        ) from error


def read_torchvision_format(name: str, data_dir: Path, download: bool = True) -> ImageData:
    """Dataset `name` ("mnist", "kmnist", "cifar100", "stl10", "svhn") from data_dir, downloaded if allowed."""
    layout = TORCHVISION_LAYOUTS[name]
    if missing_files(data_dir, name):
        if not download:
            raise DatasetUnavailableError(
                f"{name} is not in {data_dir} (downloads are off); put torchvision's files there: {', '.join(layout.files)}"
            )
        _download(name, data_dir)
    splits = _READERS[name](data_dir)
    mean, std = channel_stats(splits.train_x)
    return ImageData(splits.train_x, splits.train_y, splits.test_x, splits.test_y, splits.classes, mean, std, name)
