"""Evaluation: loss, accuracy and a confusion matrix counted on the device, checked against hand counts."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from trainboard.trainer.evaluate import EvaluationStopped, evaluate


class LogitsAreInputs(nn.Module):
    """A fake classifier whose logits are its inputs, so the test chooses every prediction."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale


def _logits(predicted: list[int], num_classes: int = 3) -> torch.Tensor:
    return F.one_hot(torch.tensor(predicted), num_classes).float() * 4.0


def test_confusion_matrix_matches_hand_count() -> None:
    # Two batches: true labels and the predictions the fake model will make.
    batches = [
        (_logits([0, 0, 1, 2, 2]), torch.tensor([0, 1, 1, 2, 0])),
        (_logits([2, 1, 0]), torch.tensor([2, 1, 1])),
    ]
    # Hand count, rows true, columns predicted:
    #   true 0: predicted 0 once, predicted 2 once
    #   true 1: predicted 0 twice (batch 1 item 2, batch 2 item 3), predicted 1 twice
    #   true 2: predicted 2 twice
    expected = [[1, 0, 1], [2, 2, 0], [0, 0, 2]]
    result = evaluate(LogitsAreInputs(), batches, num_classes=3)
    assert result.confusion == expected
    assert (result.correct, result.total) == (5, 8)
    assert result.accuracy == pytest.approx(5 / 8)
    assert result.per_class == pytest.approx([1 / 2, 2 / 4, 2 / 2])


def test_predictions_are_kept_in_loader_order_only_when_asked() -> None:
    batches = [(_logits([0, 2, 1]), torch.tensor([0, 1, 1])), (_logits([2, 0]), torch.tensor([2, 2]))]
    kept = evaluate(LogitsAreInputs(), batches, num_classes=3, keep_predictions=True)
    assert kept.predictions == [0, 2, 1, 2, 0]
    assert kept.confusion == evaluate(LogitsAreInputs(), batches, num_classes=3).confusion
    assert evaluate(LogitsAreInputs(), batches, num_classes=3).predictions is None


def test_loss_is_mean_cross_entropy_over_all_images() -> None:
    torch.manual_seed(0)
    logits_a, logits_b = torch.randn(4, 5), torch.randn(3, 5)
    labels_a, labels_b = torch.tensor([0, 1, 2, 3]), torch.tensor([4, 4, 0])
    result = evaluate(LogitsAreInputs(), [(logits_a, labels_a), (logits_b, labels_b)], num_classes=5)
    expected = F.cross_entropy(torch.cat([logits_a, logits_b]), torch.cat([labels_a, labels_b]))
    assert result.loss == pytest.approx(expected.item(), rel=1e-6)


def test_results_are_plain_python_values_and_mode_is_restored() -> None:
    model = LogitsAreInputs().train()
    result = evaluate(model, [(_logits([1, 0]), torch.tensor([1, 1]))], num_classes=3)
    assert model.training
    assert isinstance(result.loss, float)
    assert all(isinstance(v, int) for row in result.confusion for v in row)
    model.eval()
    evaluate(model, [(_logits([1]), torch.tensor([1]))], num_classes=3)
    assert not model.training


def test_class_without_images_has_zero_accuracy_not_an_error() -> None:
    result = evaluate(LogitsAreInputs(), [(_logits([0, 1]), torch.tensor([0, 1]))], num_classes=3)
    assert result.per_class == [1.0, 1.0, 0.0]
    assert result.confusion[2] == [0, 0, 0]


def test_a_stop_asked_for_between_batches_ends_the_pass_and_restores_the_mode() -> None:
    model = LogitsAreInputs().train()
    batches_seen: list[int] = []

    def batches():
        for index in range(5):
            batches_seen.append(index)
            yield _logits([0]), torch.tensor([0])

    answers = iter([False, False, True])
    with pytest.raises(EvaluationStopped):
        evaluate(model, batches(), num_classes=3, should_stop=lambda: next(answers))
    assert batches_seen == [0, 1, 2]  # the third batch was fetched, then the stop was seen before using it
    assert model.training
