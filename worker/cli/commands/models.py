"""`trainboard models`: the networks a run can train, with parameter counts, options and descriptions."""

from __future__ import annotations

import argparse
import json
from typing import Any

from trainboard.cli.plugin_flags import add_plugin_argument, load_plugin_flags


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `trainboard models`."""
    parser.description = "List the models (parameters for 3x32x32 inputs, 10 classes and default options)."
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_plugin_argument(parser)


def _options(model: dict[str, Any]) -> str:
    return ", ".join(f"{a['name']}: {a['type']} = {a['default']!r}" for a in model.get("args") or []) or "-"


def model_table(models: list[dict[str, Any]]) -> list[str]:
    """Aligned table lines: name, parameter count, options, description."""
    width = max([len("name")] + [len(m["name"]) for m in models])
    options = [_options(m) for m in models]
    option_width = max([len("options")] + [len(o) for o in options])
    lines = [f"{'name':<{width}}  {'parameters':>11}  {'options':<{option_width}}  description"]
    for model, option in zip(models, options):
        parameters = f"{model['parameters']:,}" if model.get("parameters") is not None else "?"
        lines.append(f"{model['name']:<{width}}  {parameters:>11}  {option:<{option_width}}  {model['description']}")
    return lines


def run_models(args: argparse.Namespace) -> int:
    """Handler of `trainboard models`."""
    load_plugin_flags(args)
    from trainboard.plugins.registry import registered_models
    from trainboard.trainer.models import describe_models
    from trainboard.worker.offer import describe_network

    models = describe_models()
    builtin = {m["name"] for m in models}
    models += [
        {key: value for key, value in describe_network(name).items() if key not in ("layers",)}
        for name in registered_models() if name not in builtin
    ]
    for model in models:
        model.setdefault("args", [])
    if args.json:
        print(json.dumps(models, indent=1))
    else:
        print("\n".join(model_table(models)))
    return 0
