"""The artifact payloads of the SDK's log_confusion / log_per_class / log_feature_maps, checked on the spot.

They are the trainer's payloads (trainboard/trainer/sink.py), so the run page draws them with the same
charts. Arrays may be lists, NumPy arrays or tensors on the CPU (anything with `.tolist()`); a bad shape
is a ValueError naming the argument, raised in the script, never a refusal later on the server.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any


def plain(value: Any) -> Any:
    """Nested lists of numbers from a list, a NumPy array or a CPU tensor (`.tolist()`)."""
    if hasattr(value, "detach"):  # a tensor: off the autograd graph, then to host memory
        value = value.detach().cpu()
    return value.tolist() if hasattr(value, "tolist") else value


def _names(classes: Sequence[Any], what: str) -> list[str]:
    names = [str(c) for c in plain(classes)]
    if not names:
        raise ValueError(f"{what}: classes is empty")
    return names


def confusion_payload(matrix: Any, classes: Sequence[Any], split: str = "test") -> dict[str, Any]:
    """{"classes", "matrix" (rows true, columns predicted; C x C counts), "split"}."""
    names = _names(classes, "log_confusion")
    rows = plain(matrix)
    size = len(names)
    if not isinstance(rows, list) or len(rows) != size or any(not isinstance(r, list) or len(r) != size for r in rows):
        raise ValueError(f"log_confusion: matrix must be {size} x {size} (one row and column per class)")
    try:
        counts = [[int(round(float(v))) for v in row] for row in rows]
    except (TypeError, ValueError):
        raise ValueError("log_confusion: matrix must hold numbers (counts)") from None
    return {"classes": names, "matrix": counts, "split": split}


def per_class_payload(
    accuracy: Mapping[str, float] | Sequence[float] | Any, classes: Sequence[Any] | None = None, split: str = "test"
) -> dict[str, Any]:
    """{"classes", "accuracy" (fractions in [0, 1], one per class), "split"}; accuracy may be {class: fraction}."""
    if isinstance(accuracy, Mapping):
        names, values = [str(k) for k in accuracy], list(accuracy.values())
    else:
        if classes is None:
            raise ValueError("log_per_class: give classes with a list of accuracies, or a {class: accuracy} dict")
        names, values = _names(classes, "log_per_class"), plain(accuracy)
    if len(values) != len(names):
        raise ValueError(f"log_per_class: {len(values)} accuracies for {len(names)} classes")
    try:
        fractions = [float(v) for v in values]
    except (TypeError, ValueError):
        raise ValueError("log_per_class: accuracies must be numbers (fractions in [0, 1])") from None
    if any(not (0.0 <= v <= 1.0) for v in fractions if math.isfinite(v)):
        raise ValueError("log_per_class: accuracies are fractions in [0, 1], not percent")
    return {"classes": names, "accuracy": fractions, "split": split}


def _chw(value: Any, what: str) -> list[Any]:
    array = plain(value)
    if not (isinstance(array, list) and array and isinstance(array[0], list) and array[0]
            and isinstance(array[0][0], list)):
        raise ValueError(f"log_feature_maps: {what} must be a (C, H, W) array")
    return array


def feature_maps_payload(
    layers: Mapping[str, Any], image: Any | None = None, label: str = "", epoch: int = 0
) -> dict[str, Any]:
    """{"epoch", "label", "input" (C,H,W) in [0, 1], "layers": {name: {"shape", "maps"}}}."""
    if not layers:
        raise ValueError("log_feature_maps: layers is empty (give {layer name: (C, H, W) activations})")
    out: dict[str, Any] = {}
    for name, maps in layers.items():
        chw = _chw(maps, f"layer {name!r}")
        out[str(name)] = {"shape": [len(chw), len(chw[0]), len(chw[0][0])], "maps": chw}
    first = next(iter(out.values()))["maps"]
    # Without the input image, the first channel of the first layer stands in for it (gray).
    picture = _chw(image, "image") if image is not None else [_unit_range(first[0])]
    return {"epoch": int(epoch), "label": str(label), "input": picture, "layers": out}


def _unit_range(rows: list[list[float]]) -> list[list[float]]:
    """One (H, W) map scaled to [0, 1] (a flat map becomes all zeros)."""
    low = min(min(r) for r in rows)
    span = max(max(r) for r in rows) - low
    return [[(v - low) / span if span > 0 else 0.0 for v in r] for r in rows]
