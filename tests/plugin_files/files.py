"""Plugin files and datasets as a user writes them: a network with two options, an .npz dataset, PNG folders."""

from __future__ import annotations

from pathlib import Path

import numpy as np

# A user's plugin file: a network with two keyword options, registered by name.
PLUGIN_SOURCE = '''
import numpy as np
import torch
from torch import nn

import trainboard


@trainboard.register_model("wide_cnn", feature_layers=["body.0", "body.3"])
class WideCNN(nn.Module):
    """Two convolutions of a chosen width, then a linear head."""

    def __init__(self, in_channels: int, num_classes: int, image_size: int, width: int = 8, dropout: float = 0.0):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * width, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


@trainboard.register_dataset("plugin-bands")
def plugin_bands(data_dir):
    """Colour bands from the plugin's own .npz file."""
    with np.load(data_dir / "plugin-arrays" / "bands.npz") as arrays:
        return {key: arrays[key] for key in arrays.files}
'''

CLASSES = ["red", "green", "blue"]


def write_plugin(folder: Path, marker_dir: Path | None = None) -> Path:
    """The plugin file in `folder`; with marker_dir, every process that imports it leaves a file named by its pid."""
    source = PLUGIN_SOURCE
    if marker_dir is not None:
        marker_dir.mkdir(parents=True, exist_ok=True)
        source += f"\nimport os, pathlib\npathlib.Path({str(marker_dir)!r}, str(os.getpid())).touch()\n"
    path = folder / "my_nets.py"
    path.write_text(source)
    return path


def colour_images(count: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (N, size, size, 3) noisy images whose class is their brightest colour channel (red, green, blue)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % len(CLASSES)
    base = np.full((count, 3), 70)
    base[np.arange(count), labels] = 190
    noise = rng.integers(-50, 51, size=(count, size, size, 3))
    images = np.clip(base[:, None, None, :] + noise, 0, 255).astype(np.uint8)
    return images, labels


def write_npz_dataset(data_dir: Path, name: str = "bands", train: int = 300, test: int = 90, size: int = 16) -> Path:
    """NAME.npz in data_dir with x_train, y_train, x_test, y_test and class names."""
    data_dir.mkdir(parents=True, exist_ok=True)
    x_train, y_train = colour_images(train, size, seed=1)
    x_test, y_test = colour_images(test, size, seed=2)
    path = data_dir / f"{name}.npz"
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test, classes=np.array(CLASSES))
    return path


def write_plugin_arrays(data_dir: Path) -> Path:
    """The .npz file the plugin's dataset `plugin-bands` reads (in a subfolder, so not found as a dataset itself)."""
    return write_npz_dataset(data_dir / "plugin-arrays", "bands")


def write_png_folder(root: Path, per_class_train: int, per_class_test: int, size: int = 48) -> Path:
    """root/train/<class>/*.png and root/test/<class>/*.png, real PNG files of colour images."""
    from PIL import Image

    for split, per_class, seed in (("train", per_class_train, 3), ("test", per_class_test, 4)):
        images, labels = colour_images(per_class * len(CLASSES), size, seed)
        for index, (image, label) in enumerate(zip(images, labels)):
            folder = root / split / CLASSES[label]
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(image).save(folder / f"{index:04d}.png")
    return root
