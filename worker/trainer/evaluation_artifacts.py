"""The two artifacts of one test evaluation, kept per evaluation by the server.

    evaluation  {"epoch", "step", "split": "test", "classes", "matrix" (rows true, columns predicted),
                 "per_class" (fractions), "accuracy", "feature_maps" (one fixed test image, see feature_maps.py)}
    mistakes    {"epoch", "step", "classes", "per_cell", "cells": [{"true", "predicted", "count", "images"}]}
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from trainboard.trainer.evaluate import EvalResult
from trainboard.trainer.feature_maps import capture_feature_maps
from trainboard.trainer.mistakes import IMAGES_PER_CELL, mistakes_payload, select_mistakes

FEATURE_MAP_IMAGE = 0  # test-set index of the image whose maps every evaluation shows


@dataclass(frozen=True)
class EvaluationInputs:
    """What the artifacts are made from, besides the result: the model, the test split, the layers."""

    model: nn.Module
    test_x: torch.Tensor  # uint8 (M, C, H, W)
    test_y: torch.Tensor  # int64 (M,)
    classes: Sequence[str]
    layer_names: Sequence[str]
    mean: Sequence[float]
    std: Sequence[float]
    autocast: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext


def evaluation_artifacts(inputs: EvaluationInputs, result: EvalResult, epoch: int, step: int) -> dict[str, dict[str, Any]]:
    """{"evaluation": payload, "mistakes": payload} of a test evaluation made with keep_predictions=True."""
    classes = list(inputs.classes)
    maps = capture_feature_maps(
        inputs.model, inputs.test_x[FEATURE_MAP_IMAGE], inputs.layer_names, mean=inputs.mean, std=inputs.std,
        label=classes[int(inputs.test_y[FEATURE_MAP_IMAGE])], index=FEATURE_MAP_IMAGE, autocast=inputs.autocast,
    )
    evaluation = {
        "epoch": epoch, "step": step, "split": "test", "classes": classes, "matrix": result.confusion,
        "per_class": result.per_class, "accuracy": result.accuracy, "feature_maps": maps,
    }
    cells = select_mistakes(inputs.test_y.tolist(), result.predictions or [])
    mistakes = {
        "epoch": epoch, "step": step, "classes": classes, "per_cell": IMAGES_PER_CELL,
        "cells": mistakes_payload(inputs.model, inputs.test_x, cells, classes, inputs.layer_names,
                                  mean=inputs.mean, std=inputs.std, autocast=inputs.autocast),
    }
    return {"evaluation": evaluation, "mistakes": mistakes}
