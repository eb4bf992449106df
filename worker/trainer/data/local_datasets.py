"""Every dataset this machine can offer: the built-ins with their status, plugins' and those found on disk.

No torch import: a worker reports this list when it registers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trainboard.plugins.registry import registered_datasets
from trainboard.trainer.config import DATASET_TEST_SIZES, DATASET_TRAIN_SIZES
from trainboard.trainer.data.availability import DATASETS, dataset_status
from trainboard.trainer.data.discovery import discover_datasets
from trainboard.trainer.data.layouts import TORCHVISION_LAYOUTS
from trainboard.trainer.data.paths import resolve_data_dir

BUILTIN_DESCRIPTIONS = {
    "cifar10": "CIFAR-10: 10 classes, 32x32 colour",
    "fashion-mnist": "Fashion-MNIST: 10 clothing classes, 28x28 grey, padded to 32",
    "synthetic": "10 generated colour patterns, 32x32, made in memory (no files)",
    **{name: layout.description for name, layout in TORCHVISION_LAYOUTS.items()},
}


def local_datasets(data_dir: Path | None = None) -> list[dict[str, Any]]:
    """[{name, description, status, source, train_size, test_size}] of what a worker here could load."""
    folder = resolve_data_dir(data_dir)
    offered: list[dict[str, Any]] = []
    for name in DATASETS:
        status = dataset_status(name, folder)
        offered.append({
            "name": name, "description": BUILTIN_DESCRIPTIONS.get(name, ""), "status": status["status"],
            "source": "builtin", "train_size": DATASET_TRAIN_SIZES.get(name), "test_size": DATASET_TEST_SIZES.get(name),
        })
    for name, entry in registered_datasets().items():
        if name not in DATASETS:
            offered.append({"name": name, "description": entry.description, "status": "present",
                            "source": entry.source, "train_size": None, "test_size": None})
    registered = {d["name"] for d in offered}
    for name, found in discover_datasets(folder, reserved=DATASETS).items():
        if name not in registered:
            offered.append({"name": name, "description": f"{found.kind} at {found.path}", "status": "present",
                            "source": found.kind, "train_size": None, "test_size": None})
    return offered
