"""Datasets beyond the three built-ins, each from tiny files in its real format: .npz arrays, PNG image folders,
and the layouts torchvision's MNIST, KMNIST, CIFAR-100, STL-10 and SVHN classes write."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.plugin_files.files import CLASSES, write_npz_dataset, write_png_folder
from tests.trainer.data_fixtures import write_idx_gz
from trainboard.trainer.data.errors import DatasetUnavailableError
from trainboard.trainer.data.images import ImageData
from trainboard.trainer.data.local_datasets import local_datasets
from trainboard.trainer.data.registry import UnknownDatasetError, load_dataset
from trainboard.trainer.data.resize import resize_images


def test_an_npz_file_in_the_data_directory_is_a_dataset_by_its_name(tmp_path: Path) -> None:
    write_npz_dataset(tmp_path, "bands", train=30, test=9, size=12)
    data = load_dataset("bands", tmp_path, download=False)
    assert data.train_x.shape == (30, 3, 12, 12) and data.train_x.dtype == torch.uint8  # channels last -> first
    assert data.test_y.tolist() == [0, 1, 2] * 3
    assert data.classes == CLASSES
    offered = {d["name"]: d for d in local_datasets(tmp_path)}
    assert offered["bands"]["source"] == "npz" and offered["bands"]["status"] == "present"


def test_an_npz_file_with_wrong_arrays_is_a_clear_error(tmp_path: Path) -> None:
    np.savez(tmp_path / "broken.npz", x_train=np.zeros((4, 8, 8), np.uint8), y_train=np.zeros(3, np.int64),
             x_test=np.zeros((2, 8, 8), np.uint8), y_test=np.zeros(2, np.int64))
    with pytest.raises(DatasetUnavailableError, match="y_train must be 4 integer labels"):
        load_dataset("broken", tmp_path, download=False)
    np.savez(tmp_path / "partial.npz", x_train=np.zeros((4, 8, 8), np.uint8))
    with pytest.raises(DatasetUnavailableError, match="lacks y_train, x_test, y_test"):
        load_dataset("partial", tmp_path, download=False)


def test_a_presplit_png_folder_is_decoded_at_the_asked_size_with_folder_names_as_classes(tmp_path: Path) -> None:
    write_png_folder(tmp_path / "shades", per_class_train=4, per_class_test=2, size=48)
    data = load_dataset("shades", tmp_path, download=False, image_size=24)
    assert data.train_x.shape == (12, 3, 24, 24) and data.test_x.shape == (6, 3, 24, 24)
    assert data.classes == sorted(CLASSES)  # folder order
    red = data.classes.index("red")
    assert data.train_x[data.train_y == red][:, 0].float().mean() > data.train_x[data.train_y == red][:, 2].float().mean()
    native = load_dataset("shades", tmp_path, download=False)  # no size: the first image's
    assert native.train_x.shape[-1] == 48
    assert sorted(p.name for p in (tmp_path / "cache").glob("*.pt")) == ["shades@24.pt", "shades@native.pt"]


def test_a_folder_of_class_folders_is_split_by_a_fixed_seeded_fraction(tmp_path: Path) -> None:
    from PIL import Image

    for name, shade in (("cats", 30), ("dogs", 220)):
        (tmp_path / "pets" / name).mkdir(parents=True)
        for index in range(10):
            Image.fromarray(np.full((20, 20), shade + index, np.uint8)).save(tmp_path / "pets" / name / f"{index}.jpg")
    first = load_dataset("pets", tmp_path, download=False)
    assert first.in_channels == 1 and first.classes == ["cats", "dogs"]
    assert first.train_x.shape[0] == 16 and first.test_y.tolist() == [0, 0, 1, 1]
    again = load_dataset("pets", tmp_path / ".", download=False)
    assert torch.equal(first.test_x, again.test_x)


def test_an_unknown_dataset_lists_the_ones_there_are(tmp_path: Path) -> None:
    write_npz_dataset(tmp_path, "bands", train=3, test=3, size=4)
    with pytest.raises(UnknownDatasetError, match=r"unknown dataset 'imagenet'; valid datasets: .*svhn, bands"):
        load_dataset("imagenet", tmp_path, download=False)


def _write_mnist_raw(data_dir: Path, name: str) -> np.ndarray:
    raw = data_dir / name / "raw"
    raw.mkdir(parents=True)
    images = np.random.default_rng(0).integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
    write_idx_gz(raw / "train-images-idx3-ubyte.gz", images)
    write_idx_gz(raw / "train-labels-idx1-ubyte.gz", np.arange(6, dtype=np.uint8))
    write_idx_gz(raw / "t10k-images-idx3-ubyte.gz", images[:4])
    write_idx_gz(raw / "t10k-labels-idx1-ubyte.gz", np.arange(4, dtype=np.uint8))
    return images


@pytest.mark.parametrize(("name", "folder", "first_class"), [("mnist", "MNIST", "0"), ("kmnist", "KMNIST", "o")])
def test_mnist_and_kmnist_read_torchvision_raw_idx_files_padded_to_32(
    tmp_path: Path, name: str, folder: str, first_class: str
) -> None:
    images = _write_mnist_raw(tmp_path, folder)
    data = load_dataset(name, tmp_path, download=False)
    assert data.train_x.shape == (6, 1, 32, 32)
    assert torch.equal(data.train_x[:, 0, 2:30, 2:30], torch.from_numpy(images))
    assert data.train_y.tolist() == list(range(6)) and data.classes[0] == first_class


def test_cifar100_reads_the_python_pickles_with_fine_labels(tmp_path: Path) -> None:
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for split, count in (("train", 5), ("test", 3)):
        batch = {b"data": rng.integers(0, 256, size=(count, 3072), dtype=np.uint8),
                 b"fine_labels": list(range(count)), b"coarse_labels": [0] * count}
        (folder / split).write_bytes(pickle.dumps(batch))
    names = [f"class{k}".encode() for k in range(100)]
    (folder / "meta").write_bytes(pickle.dumps({b"fine_label_names": names}))
    data = load_dataset("cifar100", tmp_path, download=False)
    assert data.train_x.shape == (5, 3, 32, 32) and data.test_y.tolist() == [0, 1, 2]
    assert len(data.classes) == 100 and data.classes[4] == "class4"


def test_stl10_reads_the_column_major_binary_files_at_96(tmp_path: Path) -> None:
    folder = tmp_path / "stl10_binary"
    folder.mkdir()
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(4, 3, 96, 96), dtype=np.uint8)  # (N, C, H, W)
    for split in ("train", "test"):
        np.ascontiguousarray(images.transpose(0, 1, 3, 2)).tofile(folder / f"{split}_X.bin")  # stored column-major
        np.array([1, 2, 3, 10], np.uint8).tofile(folder / f"{split}_y.bin")  # labels 1..10
    (folder / "class_names.txt").write_text("\n".join(f"c{k}" for k in range(10)))
    data = load_dataset("stl10", tmp_path, download=False)
    assert torch.equal(data.train_x, torch.from_numpy(images))
    assert data.train_y.tolist() == [0, 1, 2, 9] and data.classes[9] == "c9"


def test_svhn_reads_the_mat_files_with_label_10_as_digit_0(tmp_path: Path) -> None:
    from scipy.io import savemat

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(32, 32, 3, 4), dtype=np.uint8)
    for split in ("train", "test"):
        savemat(tmp_path / f"{split}_32x32.mat", {"X": images, "y": np.array([[10], [1], [2], [9]], np.uint8)})
    data = load_dataset("svhn", tmp_path, download=False)
    assert data.train_x.shape == (4, 3, 32, 32)
    assert torch.equal(data.train_x[1].permute(1, 2, 0), torch.from_numpy(images[:, :, :, 1]))
    assert data.train_y.tolist() == [0, 1, 2, 9]


def test_a_torchvision_dataset_that_is_absent_with_downloads_off_says_which_files_to_put_where(tmp_path: Path) -> None:
    with pytest.raises(DatasetUnavailableError, match=r"cifar100 is not in .* put torchvision's files there: train"):
        load_dataset("cifar100", tmp_path, download=False)


def test_resizing_keeps_uint8_and_the_picture() -> None:
    images = torch.zeros(2, 1, 32, 32, dtype=torch.uint8)
    images[:, :, :16] = 200  # top half bright
    data = ImageData(images, torch.zeros(2, dtype=torch.int64), images[:1], torch.zeros(1, dtype=torch.int64),
                     ["a"], (0.5,), (0.5,), "halves")
    resized = resize_images(data, 48).train_x
    assert resize_images(data, 32) is data
    assert resized.shape == (2, 1, 48, 48) and resized.dtype == torch.uint8
    assert resized[:, :, :20].float().mean() > 150 and resized[:, :, 28:].float().mean() < 50
