"""Where torchvision's dataset classes put the files of MNIST, KMNIST, CIFAR-100, STL-10 and SVHN. No torch import."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TorchvisionLayout:
    """The folder (inside the data directory) and files torchvision's class `torchvision_class` writes."""

    torchvision_class: str
    folder: str
    files: tuple[str, ...]
    description: str


_MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

TORCHVISION_LAYOUTS: dict[str, TorchvisionLayout] = {
    "mnist": TorchvisionLayout("MNIST", "MNIST/raw", _MNIST_FILES, "MNIST handwritten digits, 28x28 grey, padded to 32"),
    "kmnist": TorchvisionLayout("KMNIST", "KMNIST/raw", _MNIST_FILES, "Kuzushiji-MNIST: 10 cursive hiragana, 28x28 grey"),
    "cifar100": TorchvisionLayout("CIFAR100", "cifar-100-python", ("train", "test", "meta"), "CIFAR-100: 100 fine classes, 32x32 colour"),
    "stl10": TorchvisionLayout(
        "STL10", "stl10_binary", ("train_X.bin", "train_y.bin", "test_X.bin", "test_y.bin", "class_names.txt"),
        "STL-10 labelled splits: 10 classes, 96x96 colour",
    ),
    "svhn": TorchvisionLayout("SVHN", ".", ("train_32x32.mat", "test_32x32.mat"), "SVHN house numbers, 32x32 colour"),
}


def _present(path: Path) -> bool:
    # torchvision keeps MNIST's raw files both extracted and as .gz; either is enough to read.
    return path.is_file() or path.with_name(path.name + ".gz").is_file()


def missing_files(data_dir: Path, name: str) -> list[str]:
    """The files of dataset `name` that are not in data_dir (empty when it can be read)."""
    layout = TORCHVISION_LAYOUTS[name]
    folder = data_dir / layout.folder
    return [file for file in layout.files if not _present(folder / file)]
