"""Loss, accuracy and the confusion matrix of a model over a loader, counted on the device."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn


class EvaluationStopped(Exception):
    """should_stop() asked for a stop in the middle of an evaluation pass."""


@dataclass(frozen=True)
class EvalResult:
    """What one pass over a split gives; plain Python values only."""

    loss: float  # mean cross-entropy per image (no label smoothing)
    correct: int
    total: int
    confusion: list[list[int]]  # (C, C): rows true class, columns predicted class
    per_class: list[float]  # fraction correct per true class; 0.0 for a class with no images
    predictions: list[int] | None = None  # predicted class per image in loader order, when asked for

    @property
    def accuracy(self) -> float:
        """Fraction of images classified correctly."""
        return self.correct / self.total if self.total else 0.0


def evaluate(
    model: nn.Module,
    loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
    num_classes: int,
    *,
    autocast: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
    should_stop: Callable[[], bool] | None = None,
    keep_predictions: bool = False,
) -> EvalResult:
    """Evaluate `model` in eval mode over `loader` (normalized batches on the model's device).

    The loss sum and the confusion counts stay on the device; they are read once at the end.
    `should_stop` is polled before each batch; when it says so, EvaluationStopped is raised (a pass over
    50,000 images takes a minute on a CPU, too long to keep a cancel waiting).
    With `keep_predictions`, the predicted class of every image is kept too (read in the same sync).
    The model's train/eval mode is restored afterwards.
    """
    was_training = model.training
    model.eval()
    loss_sum: torch.Tensor | None = None
    confusion: torch.Tensor | None = None
    predicted: list[torch.Tensor] = []  # (B,) per batch, on the device
    try:
        with torch.inference_mode():
            for images, labels in loader:
                if should_stop is not None and should_stop():
                    raise EvaluationStopped
                with autocast():
                    logits = model(images)
                batch_loss = F.cross_entropy(logits.float(), labels, reduction="sum")
                # Each (true, predicted) pair becomes one index of the flattened C x C matrix.
                batch_predicted = logits.argmax(dim=1)
                if keep_predictions:
                    predicted.append(batch_predicted)
                pair_index = labels * num_classes + batch_predicted
                counts = torch.bincount(pair_index, minlength=num_classes * num_classes)
                loss_sum = batch_loss if loss_sum is None else loss_sum + batch_loss
                confusion = counts if confusion is None else confusion + counts
    finally:
        model.train(was_training)

    if confusion is None or loss_sum is None:
        empty = [[0] * num_classes for _ in range(num_classes)]
        return EvalResult(loss=0.0, correct=0, total=0, confusion=empty, per_class=[0.0] * num_classes,
                          predictions=[] if keep_predictions else None)

    # The one host-device sync of the pass: counts, loss sum and (if kept) the predictions in one transfer.
    parts = [confusion, loss_sum.double().reshape(1), *predicted]
    values = torch.cat([part.double() for part in parts]).tolist()
    cells = num_classes * num_classes
    flat = [int(v) for v in values[:cells]]
    total_loss = values[cells]
    matrix = [flat[row * num_classes : (row + 1) * num_classes] for row in range(num_classes)]
    result = result_from_confusion(matrix, total_loss)
    if keep_predictions:
        result = replace(result, predictions=[int(v) for v in values[cells + 1 :]])
    return result


def result_from_confusion(matrix: list[list[int]], loss_sum: float) -> EvalResult:
    """An EvalResult from a confusion matrix (rows true, columns predicted) and the summed loss."""
    total = sum(sum(row) for row in matrix)
    correct = sum(matrix[i][i] for i in range(len(matrix)))
    per_class = [row[i] / sum(row) if sum(row) else 0.0 for i, row in enumerate(matrix)]
    return EvalResult(
        loss=loss_sum / total if total else 0.0,
        correct=correct,
        total=total,
        confusion=matrix,
        per_class=per_class,
    )
