"""Fashion-MNIST from its four IDX .gz files, padded to 32x32 so every network's 32x32 geometry applies."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch

from trainboard.trainer.data.errors import DatasetUnavailableError
from trainboard.trainer.data.images import ImageData, channel_stats
from trainboard.trainer.data.paths import FASHION_MNIST_FILES, fashion_mnist_candidates, find_fashion_mnist

FASHION_MNIST_CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"]

_IDX_UBYTE = 0x08  # IDX type code of unsigned bytes, the only one these files use
PAD = 2  # pixels of zeros added on each side: 28 + 2 * 2 = 32


def read_fashion_mnist(data_dir: Path, system_dir: Path | None = None) -> ImageData:
    """Both Fashion-MNIST splits as uint8 (N, 1, 32, 32) from data_dir/fashion-mnist or the system folder."""
    folder = find_fashion_mnist(data_dir, system_dir)
    if folder is None:
        target = fashion_mnist_candidates(data_dir, system_dir)[0]
        raise DatasetUnavailableError(
            f"Fashion-MNIST not found; apt-get install dataset-fashion-mnist, or put the four IDX .gz files "
            f"({', '.join(FASHION_MNIST_FILES.values())}) in {target}"
        )
    train_x = pad_to_32(read_idx(folder / FASHION_MNIST_FILES["train_images"]))
    train_y = torch.from_numpy(read_idx(folder / FASHION_MNIST_FILES["train_labels"]).astype(np.int64))
    test_x = pad_to_32(read_idx(folder / FASHION_MNIST_FILES["test_images"]))
    test_y = torch.from_numpy(read_idx(folder / FASHION_MNIST_FILES["test_labels"]).astype(np.int64))
    mean, std = channel_stats(train_x)
    return ImageData(train_x, train_y, test_x, test_y, list(FASHION_MNIST_CLASSES), mean, std, "fashion-mnist")


def read_idx(path: Path) -> np.ndarray:
    """The uint8 array stored in an IDX file (magic 0 0 0x08 ndim, big-endian int32 sizes, data), gzip or plain.

    `path` may name the extracted file while only `path.gz` exists (torchvision keeps either).
    """
    if not path.is_file() and path.with_name(path.name + ".gz").is_file():
        path = path.with_name(path.name + ".gz")
    with open(path, "rb") as plain:
        gzipped = plain.read(2) == b"\x1f\x8b"
    with (gzip.open(path, "rb") if gzipped else open(path, "rb")) as file:
        raw = file.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != _IDX_UBYTE:
        raise DatasetUnavailableError(f"{path} is not an unsigned-byte IDX file")
    ndim = raw[3]
    header_end = 4 + 4 * ndim
    shape = tuple(int(size) for size in np.frombuffer(raw, dtype=">i4", count=ndim, offset=4))
    data = np.frombuffer(raw, dtype=np.uint8, offset=header_end)
    if data.size != int(np.prod(shape)):
        raise DatasetUnavailableError(f"{path} holds {data.size} bytes of data, its header says {shape}")
    return data.reshape(shape)


def pad_to_32(images: np.ndarray) -> torch.Tensor:
    """(N, 28, 28) uint8 -> (N, 1, 32, 32) with PAD zero pixels on every side."""
    padded = np.pad(images, ((0, 0), (PAD, PAD), (PAD, PAD)))
    return torch.from_numpy(padded[:, None])
