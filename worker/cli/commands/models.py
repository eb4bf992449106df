"""`trainboard models`: the networks a run can train, with parameter counts and descriptions."""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `trainboard models`."""
    parser.description = "List the models (parameters for 3x32x32 inputs and 10 classes)."
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def model_table(models: list[dict[str, Any]]) -> list[str]:
    """Aligned table lines: name, parameter count, description."""
    width = max([len("name")] + [len(m["name"]) for m in models])
    lines = [f"{'name':<{width}}  {'parameters':>11}  description"]
    lines += [f"{m['name']:<{width}}  {m['parameters']:>11,}  {m['description']}" for m in models]
    return lines


def run_models(args: argparse.Namespace) -> int:
    """Handler of `trainboard models`."""
    from trainboard.trainer.models import describe_models

    models = describe_models()
    if args.json:
        print(json.dumps(models, indent=1))
    else:
        print("\n".join(model_table(models)))
    return 0
