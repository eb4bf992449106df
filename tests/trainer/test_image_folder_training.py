"""Training on a user's image folder at 48x48: a few hundred real PNG files in three classes, read through the
data directory as any dataset is; the networks learn, and the per-class report speaks the folder names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugin_files.files import CLASSES, write_png_folder
from trainboard.trainer.config import TrainConfig
from trainboard.trainer.sink import RecordingSink
from trainboard.trainer.train import train

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """shades/train/<class>/*.png (3 x 100) and shades/test/<class>/*.png (3 x 30), 48x48 colour."""
    folder = tmp_path_factory.mktemp("data")
    write_png_folder(folder / "shades", per_class_train=100, per_class_test=30, size=48)
    return folder


@pytest.mark.parametrize(("model", "lr", "epochs"), [("tutorial_cnn", 0.02, 4), ("seed_resnet", 0.05, 2)])
def test_a_network_learns_an_image_folder_at_48_pixels(data_dir: Path, model: str, lr: float, epochs: int) -> None:
    config = TrainConfig(model=model, dataset="shades", image_size=48, device="cpu", epochs=epochs, batch_size=16,
                         lr=lr, momentum=0.9, normalize="dataset", log_every=5, pad_crop=True, cutout=8)
    sink = RecordingSink()
    summary = train(config, sink, data_dir=data_dir)
    assert summary["test_total"] == 90
    assert summary["test_accuracy"] > 0.7  # three classes: chance is 1/3
    per_class = sink.artifacts["per_class"]
    assert sorted(per_class["classes"]) == sorted(CLASSES) == sorted(sink.info["classes"])
    maps = sink.artifacts["evaluation"]["feature_maps"]
    assert all(layer["full_shape"][-1] >= 12 for layer in maps["layers"].values())  # taken from 48x48 inputs
    assert maps["input"]["shape"] == [3, 32, 32]  # the 48x48 image shrunk to a thumbnail
