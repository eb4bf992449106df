"""The JSON result file of a run: config, metric curves, confusion matrix, per-class accuracy, throughput."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from trainboard.trainer.sink import MetricPoint

RESULT_NAME = "result.json"


def curves_from_points(points: Iterable[MetricPoint]) -> dict[str, dict[str, list[float]]]:
    """Metric points grouped by name as {"name": {"step": [...], "value": [...]}}, in step order."""
    grouped: dict[str, list[tuple[int, float]]] = {}
    for point in points:
        grouped.setdefault(point.name, []).append((point.step, point.value))
    curves = {}
    for name, pairs in grouped.items():
        pairs.sort(key=lambda pair: pair[0])
        curves[name] = {"step": [s for s, _ in pairs], "value": [v for _, v in pairs]}
    return curves


def build_result(summary: dict[str, Any], points: Iterable[MetricPoint]) -> dict[str, Any]:
    """The result document for a finished run's summary and the metric points it reported."""
    return {
        "config": summary.get("config"),
        "summary": {k: v for k, v in summary.items() if k not in ("config", "confusion", "per_class")},
        "curves": curves_from_points(points),
        "classes": summary.get("classes"),
        "confusion": summary.get("confusion"),
        "per_class": summary.get("per_class"),
        "throughput": {"images_per_s": summary.get("images_per_s"), "seconds": summary.get("seconds")},
    }


def write_result(out_dir: Path, summary: dict[str, Any], points: Iterable[MetricPoint]) -> Path:
    """Write out_dir/result.json atomically and return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / RESULT_NAME
    tmp = out_dir / f".{RESULT_NAME}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(build_result(summary, points), indent=1) + "\n")
    os.replace(tmp, path)
    return path
