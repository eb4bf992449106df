"""The mistakes of an evaluation: a deterministic few misclassified images per cell, with top-3 and maps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from data_fixtures import write_fashion_mnist

from tests.plugin_files.files import write_png_folder
from trainboard.trainer.config import TrainConfig
from trainboard.trainer.map_encoding import decode_block
from trainboard.trainer.mistakes import mistakes_payload, select_mistakes
from trainboard.trainer.models import build_model
from trainboard.trainer.sink import RecordingSink
from trainboard.trainer.train import train


def test_each_off_diagonal_cell_keeps_its_lowest_indices() -> None:
    labels = [0, 1, 1, 2, 1, 0, 1, 2, 1]
    predicted = [0, 0, 0, 1, 0, 2, 0, 1, 2]
    cells = select_mistakes(labels, predicted, per_cell=2)
    assert cells == {(0, 2): (1, [5]), (1, 0): (4, [1, 2]), (1, 2): (1, [8]), (2, 1): (2, [3, 7])}
    assert select_mistakes(labels, predicted, per_cell=2) == cells  # the same answer every time


def test_over_the_image_cap_the_fullest_cells_keep_their_images() -> None:
    labels = [0, 0, 0, 1, 2, 2]
    predicted = [1, 1, 1, 0, 0, 0]
    cells = select_mistakes(labels, predicted, per_cell=2, max_images=3)
    assert cells == {(0, 1): (3, [0, 1]), (1, 0): (1, []), (2, 0): (2, [4])}


def test_gallery_images_carry_thumbnail_top3_and_maps(one_thread: None) -> None:
    torch.manual_seed(0)
    model = build_model("tutorial_cnn", in_channels=1)
    test_x = torch.randint(0, 256, (6, 1, 32, 32), dtype=torch.uint8)
    cells = {(0, 1): (2, [1, 4]), (2, 0): (1, [])}
    classes = ["a", "b", "c", "d"]
    payload = mistakes_payload(model, test_x, cells, [*classes, *map(str, range(6))], ["conv1"],
                               mean=[0.5], std=[0.5])
    assert [(c["true"], c["predicted"], c["count"], len(c["images"])) for c in payload] == [(0, 1, 2, 2), (2, 0, 1, 0)]
    first = payload[0]["images"][0]
    assert first["index"] == 1 and torch.equal(decode_block(first["thumbnail"]), test_x[1])
    probabilities = [t["p"] for t in first["top"]]
    assert len(first["top"]) == 3 and probabilities == sorted(probabilities, reverse=True)
    with torch.no_grad():
        logits = model(((test_x[1:2].float() / 255 - 0.5) / 0.5))
    assert first["top"][0]["class"] == int(logits.argmax()) and probabilities[0] == pytest.approx(
        float(torch.softmax(logits, 1).max()), abs=1e-4)
    assert first["layers"]["conv1"]["shape"] == [6, 9, 9]  # 8 channels of at most 512 bytes: 6 x 9 x 9


def test_a_two_epoch_run_reports_both_evaluations_with_their_mistakes(synthetic_data: Any, one_thread: None) -> None:
    config = TrainConfig(dataset="synthetic", device="cpu", train_limit=128, test_limit=64, epochs=2, batch_size=32,
                         lr=0.01, log_every=2)
    sink = RecordingSink()
    train(config, sink, data=synthetic_data)
    evaluations = [p for name, p in sink.artifact_history if name == "evaluation"]
    mistakes = [p for name, p in sink.artifact_history if name == "mistakes"]
    assert [(e["epoch"], e["step"]) for e in evaluations] == [(1, 4), (2, 8)]
    assert [(m["epoch"], m["step"]) for m in mistakes] == [(1, 4), (2, 8)]
    assert evaluations[-1]["matrix"] == sink.artifacts["confusion"]["matrix"]
    labels = synthetic_data.test_y[:64].tolist()
    for evaluation, gallery in zip(evaluations, mistakes):
        matrix = evaluation["matrix"]
        assert sum(map(sum, matrix)) == 64
        off_diagonal = {(t, p): n for t, row in enumerate(matrix) for p, n in enumerate(row) if t != p and n}
        assert {(c["true"], c["predicted"]): c["count"] for c in gallery["cells"]} == off_diagonal
        for cell in gallery["cells"]:
            indices = [image["index"] for image in cell["images"]]
            assert indices == sorted(indices) and len(indices) == min(3, cell["count"])
            assert all(labels[i] == cell["true"] for i in indices)
            assert all(image["top"][0]["class"] == cell["predicted"] for image in cell["images"])


def _gray_npz(data_dir: Path) -> str:
    """gray.npz: (N, 20, 20) grayscale arrays whose class is their brightness."""
    rng = np.random.default_rng(0)
    def split(count: int) -> tuple[np.ndarray, np.ndarray]:
        labels = np.arange(count) % 3
        noise = rng.integers(-40, 41, size=(count, 20, 20))
        return np.clip(60 + 60 * labels[:, None, None] + noise, 0, 255).astype(np.uint8), labels
    (x_train, y_train), (x_test, y_test) = split(48), split(24)
    np.savez(data_dir / "gray.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
             classes=np.array(["dark", "mid", "light"]))
    return "gray"


def _colour_folder(data_dir: Path) -> str:
    write_png_folder(data_dir / "shades", per_class_train=16, per_class_test=8, size=48)
    return "shades"


def _fashion(data_dir: Path) -> str:
    write_fashion_mnist(data_dir / "fashion-mnist", train=40, test=30)
    return "fashion-mnist"


@pytest.mark.parametrize(("make", "channels", "side"), [(_gray_npz, 1, 20), (_colour_folder, 3, 32), (_fashion, 1, 32)])
def test_mistakes_work_for_user_and_built_in_datasets(
    tmp_path: Path, one_thread: None, make: Callable[[Path], str], channels: int, side: int
) -> None:
    name = make(tmp_path)
    image_size = 48 if name == "shades" else None
    config = TrainConfig(dataset=name, device="cpu", epochs=1, batch_size=8, lr=0.001, log_every=4,
                         **({"image_size": image_size} if image_size else {}))
    sink = RecordingSink()
    train(config, sink, data_dir=tmp_path)
    evaluation, mistakes = sink.artifacts["evaluation"], sink.artifacts["mistakes"]
    assert evaluation["feature_maps"]["input"]["shape"] == [channels, side, side]
    wrong = sum(n for t, row in enumerate(evaluation["matrix"]) for p, n in enumerate(row) if t != p)
    assert sum(cell["count"] for cell in mistakes["cells"]) == wrong > 0  # an untrained net makes mistakes
    images = [image for cell in mistakes["cells"] for image in cell["images"]]
    assert images and all(image["thumbnail"]["shape"] == [channels, side, side] for image in images)
    assert all(set(image["layers"]) == set(evaluation["feature_maps"]["layers"]) for image in images)
