"""`trainboard presets`: the named experiments, what they train and the accuracy the reference run reached."""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `trainboard presets`."""
    parser.description = "List the presets usable with `trainboard train --preset NAME`."
    parser.add_argument("--json", action="store_true", help="print JSON (all fields) instead of a table")


def preset_rows() -> list[dict[str, Any]]:
    """One dict per preset: name, kind, model, dataset, epochs, reference accuracy (percent), description."""
    from trainboard.trainer.presets import PRESETS, build_config

    rows = []
    for preset in PRESETS.values():
        config = build_config(preset.name)
        rows.append({
            "name": preset.name,
            "kind": config.kind,
            "model": config.model,
            "dataset": config.dataset,
            "epochs": config.epochs if config.kind == "train" else None,
            "reference_test_accuracy": preset.reference_test_accuracy,
            "reference_per_class": dict(preset.reference_per_class),
            "description": preset.description,
            "fields": dict(preset.fields),
        })
    return rows


def preset_table(rows: list[dict[str, Any]]) -> list[str]:
    """Aligned table lines: name, kind, model, epochs, reference test accuracy, description."""
    width = max([len("name")] + [len(r["name"]) for r in rows])
    lines = [f"{'name':<{width}}  {'kind':<7}  {'model':<12}  {'epochs':>6}  {'reference':>9}  description"]
    for r in rows:
        epochs = "" if r["epochs"] is None else str(r["epochs"])
        reference = "" if r["reference_test_accuracy"] is None else f"{r['reference_test_accuracy']:g} %"
        lines.append(
            f"{r['name']:<{width}}  {r['kind']:<7}  {r['model']:<12}  {epochs:>6}  {reference:>9}  {r['description']}"
        )
    return lines


def run_presets(args: argparse.Namespace) -> int:
    """Handler of `trainboard presets`."""
    rows = preset_rows()
    print(json.dumps(rows, indent=1) if args.json else "\n".join(preset_table(rows)))
    return 0
