"""Tiny dataset files in the real on-disk formats (CIFAR-10 pickle batches, Fashion-MNIST IDX .gz), for tests."""

from __future__ import annotations

import gzip
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np

CIFAR10_TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]
CIFAR10_LABEL_NAMES = [
    b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"
]


def write_cifar10_folder(data_dir: Path, per_batch: int = 10, seed: int = 0) -> dict[str, np.ndarray]:
    """Write data_dir/cifar-10-batches-py with 5 train batches, test_batch and batches.meta; return the arrays.

    Each batch is a dict with byte-string keys, rows of 3072 uint8 values (1024 red, 1024 green,
    1024 blue), as in the official Python 2 pickles.
    """
    rng = np.random.default_rng(seed)
    folder = data_dir / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    rows, labels = [], []
    for name in [*CIFAR10_TRAIN_BATCHES, "test_batch"]:
        data = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
        batch_labels = [int(v) for v in rng.integers(0, 10, size=per_batch)]
        batch = {
            b"batch_label": name.encode(),
            b"labels": batch_labels,
            b"data": data,
            b"filenames": [f"{name}_{i}.png".encode() for i in range(per_batch)],
        }
        with open(folder / name, "wb") as file:
            pickle.dump(batch, file, protocol=2)
        rows.append(data)
        labels.append(batch_labels)
    meta = {b"num_cases_per_batch": per_batch, b"label_names": CIFAR10_LABEL_NAMES, b"num_vis": 3072}
    with open(folder / "batches.meta", "wb") as file:
        pickle.dump(meta, file, protocol=2)
    return {
        "train_rows": np.concatenate(rows[:5]),
        "train_labels": np.concatenate(labels[:5]).astype(np.int64),
        "test_rows": rows[5],
        "test_labels": np.asarray(labels[5], dtype=np.int64),
    }


def write_cifar10_tarball(data_dir: Path, per_batch: int = 10, seed: int = 0) -> dict[str, np.ndarray]:
    """Write data_dir/cifar-10-python.tar.gz holding cifar-10-batches-py (and no extracted folder)."""
    staging = data_dir / "staging"
    arrays = write_cifar10_folder(staging, per_batch, seed)
    with tarfile.open(data_dir / "cifar-10-python.tar.gz", "w:gz") as archive:
        archive.add(staging / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    for file in (staging / "cifar-10-batches-py").iterdir():
        file.unlink()
    (staging / "cifar-10-batches-py").rmdir()
    staging.rmdir()
    return arrays


def write_idx_gz(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as a gzip-compressed IDX file: 0, 0, 0x08, ndim, big-endian int32 sizes, data."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}i", *array.shape)
    with gzip.open(path, "wb") as file:
        file.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def write_fashion_mnist(folder: Path, train: int = 6, test: int = 4, seed: int = 0) -> dict[str, np.ndarray]:
    """Write the four Fashion-MNIST IDX .gz files with random 28x28 images into `folder`; return the arrays."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train_images": rng.integers(1, 256, size=(train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, size=train, dtype=np.uint8),
        "test_images": rng.integers(1, 256, size=(test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, size=test, dtype=np.uint8),
    }
    names = {
        "train_images": "train-images-idx3-ubyte.gz",
        "train_labels": "train-labels-idx1-ubyte.gz",
        "test_images": "t10k-images-idx3-ubyte.gz",
        "test_labels": "t10k-labels-idx1-ubyte.gz",
    }
    for key, name in names.items():
        write_idx_gz(folder / name, arrays[key])
    return arrays
