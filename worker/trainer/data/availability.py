"""Whether a dataset can be used without loading it. No torch import: the backend calls this per request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trainboard.trainer.config import DATASET_NAMES
from trainboard.trainer.data.layouts import TORCHVISION_LAYOUTS, missing_files
from trainboard.trainer.data.paths import (
    CIFAR10_FOLDER,
    CIFAR10_TARBALL,
    FASHION_MNIST_FILES,
    cache_path,
    cifar10_folder_complete,
    fashion_mnist_candidates,
    find_fashion_mnist,
    resolve_data_dir,
)

DATASETS = DATASET_NAMES  # "cifar10", "fashion-mnist", "synthetic"


def dataset_status(name: str, data_dir: Path | None = None, *, system_dir: Path | None = None) -> dict[str, Any]:
    """{name, status: present|downloadable|missing, path, how} for dataset `name` in `data_dir`."""
    folder = resolve_data_dir(data_dir)
    if name == "synthetic":
        return _status(name, "present", None, "generated in memory from a fixed seed; nothing to install")
    if name == "cifar10":
        return _cifar10_status(folder)
    if name == "fashion-mnist":
        return _fashion_mnist_status(folder, system_dir)
    if name in TORCHVISION_LAYOUTS:
        return _torchvision_status(folder, name)
    raise ValueError(f"unknown dataset {name!r}; valid datasets: {', '.join(DATASETS)}")


def _status(name: str, status: str, path: Path | None, how: str) -> dict[str, Any]:
    return {"name": name, "status": status, "path": None if path is None else str(path), "how": how}


def _cifar10_status(folder: Path) -> dict[str, Any]:
    if cache_path(folder, "cifar10").is_file():
        return _status("cifar10", "present", cache_path(folder, "cifar10"), "cached as uint8 tensors")
    if cifar10_folder_complete(folder):
        return _status("cifar10", "present", folder / CIFAR10_FOLDER, "extracted batches")
    if (folder / CIFAR10_TARBALL).is_file():
        return _status("cifar10", "present", folder / CIFAR10_TARBALL, "tarball; extracted on first use")
    # Whether the download will work cannot be known without trying it.
    how = (
        f"downloaded (170 MB, checksum-verified) into {folder} on first use; "
        f"offline, put {CIFAR10_TARBALL} in {folder}"
    )
    return _status("cifar10", "downloadable", folder, how)


def _fashion_mnist_status(folder: Path, system_dir: Path | None) -> dict[str, Any]:
    if cache_path(folder, "fashion-mnist").is_file():
        return _status("fashion-mnist", "present", cache_path(folder, "fashion-mnist"), "cached as uint8 tensors")
    found = find_fashion_mnist(folder, system_dir)
    if found is not None:
        return _status("fashion-mnist", "present", found, "IDX files")
    target = fashion_mnist_candidates(folder, system_dir)[0]
    how = (
        f"apt-get install dataset-fashion-mnist, or put the four IDX .gz files "
        f"({', '.join(FASHION_MNIST_FILES.values())}) in {target}"
    )
    return _status("fashion-mnist", "missing", target, how)


def _torchvision_status(folder: Path, name: str) -> dict[str, Any]:
    layout = TORCHVISION_LAYOUTS[name]
    if cache_path(folder, name).is_file():
        return _status(name, "present", cache_path(folder, name), "cached as uint8 tensors")
    if not missing_files(folder, name):
        return _status(name, "present", folder / layout.folder, f"torchvision's {layout.torchvision_class} files")
    how = (
        f"downloaded with torchvision.datasets.{layout.torchvision_class} (checksum-verified) into {folder} on first "
        f"use; offline, put its files there ({', '.join(layout.files)} in {layout.folder})"
    )
    return _status(name, "downloadable", folder, how)
