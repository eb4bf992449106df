"""Where datasets live on disk and what their files are called. No torch import: the backend uses this."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DATA_DIR_ENV = "TRAINBOARD_DATA_DIR"
# Debian's dataset-fashion-mnist package installs the four IDX files here.
SYSTEM_DATASETS_DIR = Path("/usr/share/datasets")

CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_TARBALL = "cifar-10-python.tar.gz"
CIFAR10_TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR10_FILES = (*CIFAR10_TRAIN_BATCHES, "test_batch", "batches.meta")

FASHION_MNIST_FOLDER = "fashion-mnist"
FASHION_MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


def default_data_dir() -> Path:
    """$TRAINBOARD_DATA_DIR, else the user's data directory / trainboard / datasets."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    return platformdirs.user_data_path("trainboard") / "datasets"


def resolve_data_dir(data_dir: Path | str | None) -> Path:
    """`data_dir` as a Path, or the default one when None."""
    return default_data_dir() if data_dir is None else Path(data_dir).expanduser()


def cache_path(data_dir: Path, name: str) -> Path:
    """The uint8 tensor cache of dataset `name` inside `data_dir`."""
    return data_dir / "cache" / f"{name}.pt"


def cifar10_folder_complete(data_dir: Path) -> bool:
    """True when the extracted cifar-10-batches-py folder holds all five train batches, test_batch and meta."""
    folder = data_dir / CIFAR10_FOLDER
    return all((folder / file).is_file() for file in CIFAR10_FILES)


def fashion_mnist_candidates(data_dir: Path, system_dir: Path | None = None) -> list[Path]:
    """Folders searched for the Fashion-MNIST IDX files, in order: data_dir/fashion-mnist, then the system one."""
    system = SYSTEM_DATASETS_DIR if system_dir is None else system_dir
    return [data_dir / FASHION_MNIST_FOLDER, system / FASHION_MNIST_FOLDER]


def find_fashion_mnist(data_dir: Path, system_dir: Path | None = None) -> Path | None:
    """The first candidate folder that holds all four Fashion-MNIST IDX .gz files, or None."""
    for folder in fashion_mnist_candidates(data_dir, system_dir):
        if all((folder / file).is_file() for file in FASHION_MNIST_FILES.values()):
            return folder
    return None
