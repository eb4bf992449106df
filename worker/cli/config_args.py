"""Command-line arguments that make a run config: a preset, flags for common fields, and --set FIELD=VALUE.

Shared by `trainboard train`, `lr-find` and `submit`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from typing import Any

from trainboard.cli.errors import CliError

FieldFlag = tuple[str, str, type]  # (flag, config field, type)

# The model and data fields that every command making a config offers as flags of their own.
COMMON_FLAGS: list[FieldFlag] = [
    ("--dataset", "dataset", str),
    ("--model", "model", str),
    ("--batch-size", "batch_size", int),
    ("--device", "device", str),
    ("--train-limit", "train_limit", int),
    ("--seed", "seed", int),
]


def add_config_arguments(
    parser: argparse.ArgumentParser,
    default_preset: str,
    field_flags: Sequence[FieldFlag],
    *,
    preset_note: str = "see `trainboard presets`",
    flag_help: Mapping[str, str] | None = None,
    set_example: str = "--set schedule=cosine --set pad_crop=true",
) -> None:
    """Add --preset, one flag per entry of `field_flags`, and the repeatable --set."""
    parser.add_argument("--preset", default=default_preset,
                        help=f"named config (default: {default_preset}); {preset_note}")
    for flag, field, kind in field_flags:
        parser.add_argument(flag, dest=field, type=kind, default=None,
                            help=(flag_help or {}).get(field, f"override config field '{field}'"))
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="FIELD=VALUE",
                        help=f"override any config field, e.g. {set_example}")
    parser.add_argument("--model-arg", dest="model_arg_assignments", action="append", default=[], metavar="NAME=VALUE",
                        help="set one option of the network (model_args), e.g. --model-arg width=64")


def config_overrides(args: argparse.Namespace, field_flags: Sequence[FieldFlag]) -> dict[str, Any]:
    """The overrides of the preset: --set assignments first, then the field flags given."""
    overrides = parse_assignments(args.assignments)
    model_args = parse_model_args(getattr(args, "model_arg_assignments", []))
    if model_args:
        overrides["model_args"] = {**(overrides.get("model_args") or {}), **model_args}
    overrides.update({field: getattr(args, field) for _, field, _ in field_flags if getattr(args, field) is not None})
    return overrides


def parse_assignments(assignments: list[str]) -> dict[str, Any]:
    """FIELD=VALUE pairs as config overrides; values stay strings (pydantic converts them) except JSON lists/null."""
    overrides: dict[str, Any] = {}
    for assignment in assignments:
        field, sep, value = assignment.partition("=")
        if not sep or not field.strip():
            raise CliError(f"--set: expected FIELD=VALUE, got {assignment!r}")
        text = value.strip()
        if text.lower() in ("null", "none"):
            overrides[field.strip()] = None
        elif text.startswith(("[", "{")):
            try:
                overrides[field.strip()] = json.loads(text)
            except json.JSONDecodeError as exc:
                raise CliError(f"{field.strip()}: not valid JSON: {exc.msg}") from None
        else:
            overrides[field.strip()] = text
    return overrides


def parse_model_args(assignments: list[str]) -> dict[str, Any]:
    """NAME=VALUE pairs as model_args: JSON values (64, 0.5, true, "text") where they parse, else the text."""
    model_args: dict[str, Any] = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--model-arg: expected NAME=VALUE, got {assignment!r}")
        try:
            model_args[name.strip()] = json.loads(value)
        except json.JSONDecodeError:
            model_args[name.strip()] = value
    return model_args
