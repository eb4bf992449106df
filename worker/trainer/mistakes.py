"""The mistakes of an evaluation: for each (true, predicted) cell off the diagonal, a few misclassified test
images (the lowest test-set indices), with thumbnails, their top-3 predictions and their feature maps.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from trainboard.trainer.feature_maps import MapLimits, capture
from trainboard.trainer.map_encoding import encode_image

IMAGES_PER_CELL = 3
MAX_IMAGES = 300  # per evaluation: with 10 classes every one of the 90 cells keeps its 3 images
TOP_K = 3
# A gallery image's maps: 8 maps of 8 x 8 per layer (512 bytes), a fraction of its thumbnail.
GALLERY_LIMITS = MapLimits(max_channels=8, max_bytes=512)


def select_mistakes(
    labels: Sequence[int], predictions: Sequence[int], per_cell: int = IMAGES_PER_CELL, max_images: int = MAX_IMAGES
) -> dict[tuple[int, int], tuple[int, list[int]]]:
    """{(true, predicted): (images in the cell, its first `per_cell` test indices)} for every off-diagonal cell.

    Deterministic: a cell keeps its lowest indices; when more than `max_images` would be kept, the cells with
    the most mistakes keep theirs first (ties by (true, predicted)) and the others keep their count only.
    """
    counts: dict[tuple[int, int], int] = {}
    lowest: dict[tuple[int, int], list[int]] = {}
    for index, (true, predicted) in enumerate(zip(labels, predictions)):
        if true == predicted:
            continue
        cell = (int(true), int(predicted))
        counts[cell] = counts.get(cell, 0) + 1
        kept = lowest.setdefault(cell, [])
        if len(kept) < per_cell:
            kept.append(index)
    budget = max_images
    chosen: dict[tuple[int, int], tuple[int, list[int]]] = {}
    for cell in sorted(counts, key=lambda c: (-counts[c], c)):
        indices = lowest[cell][: max(0, budget)]
        budget -= len(indices)
        chosen[cell] = (counts[cell], indices)
    return dict(sorted(chosen.items()))


def mistakes_payload(
    model: nn.Module,
    test_x: torch.Tensor,
    cells: dict[tuple[int, int], tuple[int, list[int]]],
    classes: Sequence[str],
    layer_names: Sequence[str],
    *,
    mean: Sequence[float],
    std: Sequence[float],
    autocast: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
) -> list[dict[str, Any]]:
    """The cells as JSON: [{"true", "predicted", "count", "images": [{"index", "thumbnail", "top", "layers"}]}].

    "top" is the TOP_K predictions as [{"class": index, "p": probability}], most probable first.
    """
    indices = [i for _, kept in cells.values() for i in kept]
    probabilities, maps = (
        capture(model, test_x[indices], layer_names, mean=mean, std=std, limits=GALLERY_LIMITS, autocast=autocast)
        if indices else (torch.zeros(0, len(classes)), [])
    )
    top_p, top_class = probabilities.topk(min(TOP_K, len(classes)), dim=1) if indices else (None, None)
    by_index: dict[int, dict[str, Any]] = {}
    for row, index in enumerate(indices):
        assert top_p is not None and top_class is not None
        by_index[index] = {
            "index": index,
            "thumbnail": encode_image(test_x[index]),
            "top": [{"class": int(c), "p": round(float(p), 4)} for c, p in zip(top_class[row], top_p[row])],
            "layers": maps[row],
        }
    return [
        {"true": true, "predicted": predicted, "count": count, "images": [by_index[i] for i in kept]}
        for (true, predicted), (count, kept) in cells.items()
    ]
