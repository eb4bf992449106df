"""The seed's report lines, character for character."""

from __future__ import annotations

from trainboard.trainer.report import accuracy_line, per_class_lines, percent, report_lines

SEED_CLASSES = ["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def test_accuracy_lines_read_like_the_tutorial() -> None:
    assert accuracy_line("test", 5300, 10000) == "Accuracy of the network on the 10000 test images: 53 %"
    assert accuracy_line("train", 30500, 50000) == "Accuracy of the network on the 50000 train images: 61 %"


def test_percent_truncates_like_the_tutorial() -> None:
    assert percent(5399, 10000) == 53  # 53.99 % prints as 53 %
    assert percent(1, 3) == 33
    assert percent(0, 0) == 0


def test_per_class_lines_from_confusion_rows() -> None:
    confusion = [[33, 67], [21, 79]]
    assert per_class_lines(["plane", "car"], confusion) == ["Accuracy of plane: 33 %", "Accuracy of car: 79 %"]


def test_report_lines_train_then_test_then_classes() -> None:
    confusion = [[0] * 10 for _ in range(10)]
    for i in range(10):
        confusion[i][i] = 50 + i
        confusion[i][(i + 1) % 10] = 50 - i
    summary = {
        "train_correct": 30500, "train_total": 50000, "test_correct": 5725, "test_total": 10000,
        "classes": SEED_CLASSES, "confusion": confusion,
    }
    lines = report_lines(summary)
    assert lines[:3] == [
        "Accuracy of the network on the 50000 train images: 61 %",
        "Accuracy of the network on the 10000 test images: 57 %",
        "Accuracy of plane: 50 %",
    ]
    assert lines[-1] == "Accuracy of truck: 59 %"
    assert len(lines) == 12
