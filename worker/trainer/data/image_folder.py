"""Image folders: root/train/<class>/*.png|jpg and root/test/<class>/..., or root/<class>/... split by a seed.

Decoded once with Pillow, resized to one square size, and kept as uint8 tensors like the other datasets.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import torch

from trainboard.trainer.data.discovery import class_folders, image_files, is_presplit
from trainboard.trainer.data.errors import DatasetUnavailableError
from trainboard.trainer.data.images import ImageData, channel_stats

TEST_FRACTION = 0.2  # of each class, for a folder without train/ and test/
SPLIT_SEED = 0  # the split of a folder without train/ and test/ never changes


def _decode(files: list[Path], size: int, channels: int) -> torch.Tensor:
    from PIL import Image

    mode = "L" if channels == 1 else "RGB"
    images = np.empty((len(files), size, size, channels), dtype=np.uint8)
    for index, path in enumerate(files):
        with Image.open(path) as image:
            converted = image.convert(mode)
            if converted.size != (size, size):
                converted = converted.resize((size, size), Image.Resampling.BILINEAR)
            images[index] = np.asarray(converted, dtype=np.uint8).reshape(size, size, channels)
    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()  # (N, C, S, S)


def _first_image_facts(files: list[Path]) -> tuple[int, int]:
    """(side, channels) of the first image: the default size, and 1 channel when it is greyscale."""
    from PIL import Image

    with Image.open(files[0]) as image:
        return max(image.size), 1 if image.mode in ("L", "1", "I", "I;16") else 3


def read_image_folder(root: Path, name: str, image_size: int | None = None) -> ImageData:
    """Dataset `name` from the image folder at `root`, every image resized to image_size (default: the first's)."""
    if is_presplit(root):
        classes = [d.name for d in class_folders(root / "train")]
        test_classes = [d.name for d in class_folders(root / "test")]
        unknown = sorted(set(test_classes) - set(classes))
        if unknown:
            raise DatasetUnavailableError(f"{name}: test classes {', '.join(unknown)} are not in {root / 'train'}")
        train = [(f, classes.index(d.name)) for d in class_folders(root / "train") for f in image_files(d)]
        test = [(f, classes.index(d.name)) for d in class_folders(root / "test") for f in image_files(d)]
    elif len(class_folders(root)) >= 2:
        classes = [d.name for d in class_folders(root)]
        train, test = [], []
        shuffle = random.Random(SPLIT_SEED)
        for label, folder in enumerate(class_folders(root)):
            files = image_files(folder)
            shuffle.shuffle(files)
            cut = max(1, round(len(files) * TEST_FRACTION)) if len(files) > 1 else 0
            test += [(f, label) for f in files[:cut]]
            train += [(f, label) for f in files[cut:]]
    else:
        raise DatasetUnavailableError(
            f"{name}: {root} is not an image folder; use {root}/train/<class>/*.png and {root}/test/<class>/..., "
            f"or {root}/<class>/*.png with two or more classes"
        )
    if not train or not test:
        raise DatasetUnavailableError(f"{name}: {root} has {len(train)} training and {len(test)} test images")
    side, channels = _first_image_facts([train[0][0]])
    size = image_size or side
    train_x = _decode([f for f, _ in train], size, channels)
    test_x = _decode([f for f, _ in test], size, channels)
    train_y = torch.tensor([label for _, label in train], dtype=torch.int64)
    test_y = torch.tensor([label for _, label in test], dtype=torch.int64)
    mean, std = channel_stats(train_x)
    return ImageData(train_x, train_y, test_x, test_y, classes, mean, std, name)
