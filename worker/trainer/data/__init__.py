"""Datasets as uint8 tensors and the on-device batch loader.

Importing this package does not import torch (the backend uses `dataset_status` on its request path);
`ImageData` and the readers load torch when first used.
"""

from __future__ import annotations

from typing import Any

from trainboard.trainer.data.availability import dataset_status
from trainboard.trainer.data.errors import DatasetUnavailableError
from trainboard.trainer.data.paths import default_data_dir
from trainboard.trainer.data.registry import load_dataset

__all__ = ["DatasetUnavailableError", "ImageData", "dataset_status", "default_data_dir", "load_dataset"]


def __getattr__(name: str) -> Any:
    """ImageData on first access, so that `import worker.trainer.data` does not pull in torch."""
    if name == "ImageData":
        from trainboard.trainer.data.images import ImageData

        return ImageData
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
