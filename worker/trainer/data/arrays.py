"""Arrays from anywhere (an .npz file, a plugin's loader) as ImageData: uint8 (N, C, H, W) images, int64 labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from trainboard.trainer.data.errors import DatasetUnavailableError
from trainboard.trainer.data.images import ImageData, channel_stats

SPLIT_KEYS = ("x_train", "y_train", "x_test", "y_test")


def _images(name: str, key: str, value: Any) -> torch.Tensor:
    """uint8 (N, C, H, W) from (N, H, W), (N, H, W, C) or (N, C, H, W); floats in [0, 1] are scaled to 0..255."""
    array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    if array.ndim == 3:
        array = array[:, None]
    elif array.ndim == 4 and array.shape[-1] in (1, 3, 4) and array.shape[1] not in (1, 3, 4):
        array = array.transpose(0, 3, 1, 2)  # channels last -> channels first
    if array.ndim != 4:
        raise DatasetUnavailableError(f"{name}: {key} must be images (N, H, W[, C]), got shape {array.shape}")
    if array.dtype != np.uint8:
        if not np.issubdtype(array.dtype, np.floating) or array.size and (array.min() < 0 or array.max() > 1):
            raise DatasetUnavailableError(f"{name}: {key} must be uint8 0..255 or floats in [0, 1], got {array.dtype}")
        array = np.rint(array * 255).astype(np.uint8)
    return torch.from_numpy(np.ascontiguousarray(array))


def _labels(name: str, key: str, value: Any, count: int) -> torch.Tensor:
    array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    array = array.reshape(-1)
    if not np.issubdtype(array.dtype, np.integer) or array.shape != (count,):
        raise DatasetUnavailableError(f"{name}: {key} must be {count} integer labels, got {array.dtype} {array.shape}")
    if array.size and array.min() < 0:
        raise DatasetUnavailableError(f"{name}: {key} holds negative labels")
    return torch.from_numpy(array.astype(np.int64))


def as_image_data(name: str, loaded: Any) -> ImageData:
    """ImageData from what a loader returned: ImageData, a mapping with x_train, y_train, x_test, y_test
    (and optionally classes), or a tuple (x_train, y_train, x_test, y_test[, classes]).

    Raises DatasetUnavailableError naming what does not fit.
    """
    if isinstance(loaded, ImageData):
        return loaded
    if isinstance(loaded, Mapping):
        missing = [key for key in SPLIT_KEYS if key not in loaded]
        if missing:
            raise DatasetUnavailableError(f"{name}: lacks {', '.join(missing)} (needs {', '.join(SPLIT_KEYS)})")
        parts = [loaded[key] for key in SPLIT_KEYS]
        classes = loaded.get("classes")
    elif isinstance(loaded, Sequence) and len(loaded) in (4, 5):
        parts, classes = list(loaded[:4]), (loaded[4] if len(loaded) == 5 else None)
    else:
        raise DatasetUnavailableError(f"{name}: a loader must return ImageData, a dict or a tuple of arrays ({', '.join(SPLIT_KEYS)})")
    train_x, test_x = _images(name, "x_train", parts[0]), _images(name, "x_test", parts[2])
    train_y = _labels(name, "y_train", parts[1], int(train_x.shape[0]))
    test_y = _labels(name, "y_test", parts[3], int(test_x.shape[0]))
    if train_x.shape[1:] != test_x.shape[1:]:
        raise DatasetUnavailableError(f"{name}: train images {tuple(train_x.shape[1:])} and test images {tuple(test_x.shape[1:])} differ")
    count = int(max(train_y.max().item() if train_y.numel() else 0, test_y.max().item() if test_y.numel() else 0)) + 1
    names = [str(c) for c in np.asarray(classes).reshape(-1)] if classes is not None else [str(i) for i in range(count)]
    if len(names) < count:
        raise DatasetUnavailableError(f"{name}: labels go up to {count - 1} but only {len(names)} class names are given")
    mean, std = channel_stats(train_x)
    return ImageData(train_x, train_y, test_x, test_y, names, mean, std, name)
