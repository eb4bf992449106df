"""Datasets found in a data directory: NAME.npz files and NAME/ image folders. No torch import (the server's
catalogue and a worker's start-up report use it).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")  # trainboard.plugins.registry.NAME_PATTERN


@dataclass(frozen=True)
class FoundDataset:
    """A dataset on disk: its name (the file or folder name), its format and where it is."""

    name: str
    kind: str  # "npz" or "image-folder"
    path: Path


def image_files(folder: Path) -> list[Path]:
    """The image files directly inside `folder`, sorted by name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def class_folders(folder: Path) -> list[Path]:
    """Subfolders of `folder` that hold at least one image, sorted by name (the class order)."""
    if not folder.is_dir():
        return []
    return [d for d in sorted(folder.iterdir()) if d.is_dir() and not d.name.startswith(".") and _has_image(d)]


def _has_image(folder: Path) -> bool:
    # Stops at the first image: an idle worker asks this of every class folder at each rescan.
    return any(p.suffix.lower() in IMAGE_SUFFIXES and p.is_file() for p in folder.iterdir())


def is_presplit(root: Path) -> bool:
    """True when root holds train/ and test/ folders of class folders."""
    return bool(class_folders(root / "train")) and bool(class_folders(root / "test"))


def is_image_folder(root: Path) -> bool:
    """True when root is an image-folder dataset: train/ + test/, or two or more class folders."""
    return is_presplit(root) or len(class_folders(root)) >= 2


def folder_fingerprint(root: Path) -> str:
    """Changes when an image is added, removed or rewritten: count, total bytes and newest mtime of the files."""
    count, total, newest = 0, 0, 0.0
    for path in root.rglob("*"):
        if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
            stat = path.stat()
            count, total, newest = count + 1, total + stat.st_size, max(newest, stat.st_mtime)
    return f"{count}:{total}:{newest:.3f}"


def discover_datasets(data_dir: Path, reserved: tuple[str, ...] = ()) -> dict[str, FoundDataset]:
    """NAME.npz files and NAME/ image folders directly in data_dir, by name; `reserved` names are skipped."""
    found: dict[str, FoundDataset] = {}
    if not data_dir.is_dir():
        return found
    for path in sorted(data_dir.iterdir()):
        name = path.stem.lower() if path.suffix == ".npz" else path.name.lower()
        if name in reserved or not _NAME.match(name):
            continue
        if path.is_file() and path.suffix == ".npz":
            found.setdefault(name, FoundDataset(name, "npz", path))
        elif path.is_dir() and is_image_folder(path):
            found.setdefault(name, FoundDataset(name, "image-folder", path))
    return found
