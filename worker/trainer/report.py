"""The seed's text report, line for line as the PyTorch CIFAR-10 tutorial prints it. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def percent(correct: int, total: int) -> int:
    """Whole percent, truncated as the tutorial does: 100 * correct // total (0 for an empty split)."""
    return 100 * correct // total if total else 0


def accuracy_line(split: str, correct: int, total: int) -> str:
    """'Accuracy of the network on the 10000 test images: 53 %'."""
    return f"Accuracy of the network on the {total} {split} images: {percent(correct, total)} %"


def per_class_lines(classes: Sequence[str], confusion: Sequence[Sequence[int]]) -> list[str]:
    """'Accuracy of plane: 33 %' for each class, from a confusion matrix (rows true, columns predicted)."""
    return [
        f"Accuracy of {name}: {percent(confusion[i][i], sum(confusion[i]))} %" for i, name in enumerate(classes)
    ]


def report_lines(summary: dict[str, Any]) -> list[str]:
    """The report for a finished run's summary: train line, test line, then per class (test set)."""
    lines: list[str] = []
    if summary.get("train_total"):
        lines.append(accuracy_line("train", summary["train_correct"], summary["train_total"]))
    if summary.get("test_total"):
        lines.append(accuracy_line("test", summary["test_correct"], summary["test_total"]))
    if summary.get("confusion"):
        lines.extend(per_class_lines(summary["classes"], summary["confusion"]))
    return lines
