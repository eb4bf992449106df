"""A sweep's search space: one spec per config field, written as text (CLI, API) or as an object (API).

Text forms (the CLI's `--param FIELD=SPEC`, and the API's `space` values):
    log:1e-4:1e-1         a float, log-uniform between the bounds
    0.8:0.99              a float, uniform (also `uniform:0.8:0.99`)
    int:1:8               an integer, uniform (`intlog:16:256` for log-uniform)
    choice:32,64,128      one of the values (numbers, true/false, or text)
Objects: {"type": "log" | "uniform" | "int" | "intlog" | "choice", "low", "high", "choices"}.
This module only parses; the server turns specs into Optuna distributions and checks them against the config.
"""

from __future__ import annotations

import json
from typing import Any

SPEC_TYPES = ("log", "uniform", "int", "intlog", "choice")
MAX_CHOICES = 64


class SpaceError(ValueError):
    """A spec that cannot be read; the message says what was expected."""


def _number(text: str, integer: bool) -> int | float:
    try:
        value = float(text)
    except ValueError:
        raise SpaceError(f"{text!r} is not a number") from None
    if integer:
        if value != int(value):
            raise SpaceError(f"{text!r} is not a whole number")
        return int(value)
    return value


def _choice_value(text: str) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text.strip()
    return value if isinstance(value, (bool, int, float, str)) else text.strip()


def parse_spec_text(text: str) -> dict[str, Any]:
    """The object form of a text spec ('log:1e-4:1e-1' -> {'type': 'log', 'low': 0.0001, 'high': 0.1})."""
    kind, _, rest = text.strip().partition(":")
    if kind == "choice":
        choices = [_choice_value(part) for part in rest.split(",") if part.strip()]
        return check_spec({"type": "choice", "choices": choices})
    if kind not in SPEC_TYPES:  # 'LOW:HIGH' is uniform
        kind, rest = "uniform", text.strip()
    low, sep, high = rest.partition(":")
    if not sep:
        raise SpaceError(f"expected {kind}:LOW:HIGH, got {text!r}")
    integer = kind in ("int", "intlog")
    return check_spec({"type": kind, "low": _number(low, integer), "high": _number(high, integer)})


def check_spec(spec: Any) -> dict[str, Any]:
    """A spec in object form, checked: known type, low < high (positive for log), 2+ distinct choices."""
    if isinstance(spec, str):
        return parse_spec_text(spec)
    if not isinstance(spec, dict) or spec.get("type") not in SPEC_TYPES:
        raise SpaceError(f"a spec is text such as 'log:1e-4:1e-1' or an object with type one of {', '.join(SPEC_TYPES)}")
    kind = spec["type"]
    if kind == "choice":
        choices = spec.get("choices")
        if not isinstance(choices, list) or not all(isinstance(c, (bool, int, float, str)) for c in choices):
            raise SpaceError("choice needs a list of numbers, true/false or text")
        if len(set(map(json.dumps, choices))) != len(choices) or not 2 <= len(choices) <= MAX_CHOICES:
            raise SpaceError(f"choice needs 2 to {MAX_CHOICES} different values")
        return {"type": "choice", "choices": choices}
    low, high = spec.get("low"), spec.get("high")
    integer = kind in ("int", "intlog")
    allowed = (int,) if integer else (int, float)
    if not all(isinstance(v, allowed) and not isinstance(v, bool) for v in (low, high)):
        raise SpaceError(f"{kind} needs numeric low and high{' (whole numbers)' if integer else ''}")
    if not low < high:
        raise SpaceError(f"low ({low}) must be less than high ({high})")
    if kind in ("log", "intlog") and low <= 0:
        raise SpaceError(f"{kind} needs low > 0, got {low}")
    return {"type": kind, "low": low if integer else float(low), "high": high if integer else float(high)}


def spec_values_to_check(spec: dict[str, Any]) -> list[Any]:
    """The values a config must accept for the spec to be usable: its bounds, or every choice."""
    return list(spec["choices"]) if spec["type"] == "choice" else [spec["low"], spec["high"]]


def describe_spec(spec: dict[str, Any]) -> str:
    """The text form of a spec (what `parse_spec_text` reads back)."""
    if spec["type"] == "choice":
        return "choice:" + ",".join(json.dumps(c) if not isinstance(c, str) else c for c in spec["choices"])
    return f"{spec['type']}:{spec['low']:g}:{spec['high']:g}"
