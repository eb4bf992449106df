"""A dataset in one .npz file: arrays x_train, y_train, x_test, y_test and, optionally, classes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trainboard.trainer.data.arrays import as_image_data
from trainboard.trainer.data.errors import DatasetUnavailableError
from trainboard.trainer.data.images import ImageData


def read_npz(path: Path, name: str) -> ImageData:
    """Dataset `name` from the .npz file at `path` (pickled objects are refused: the file may be anyone's)."""
    try:
        with np.load(path, allow_pickle=False) as arrays:
            return as_image_data(name, {key: arrays[key] for key in arrays.files})
    except (OSError, ValueError) as error:
        raise DatasetUnavailableError(f"{name}: cannot read {path}: {error}") from error
