"""Make parsed JSON safe to store and send: non-finite floats (NaN, inf) become null."""

from __future__ import annotations

import json
import math
from typing import Any


def scrub_non_finite(value: Any) -> Any:
    """A copy of `value` with every NaN/inf float (at any depth) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: scrub_non_finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub_non_finite(item) for item in value]
    return value


def loads_lenient(data: bytes) -> Any:
    """Parse JSON that may contain NaN/Infinity tokens (Python's json.dumps writes them), mapping them to null."""
    return json.loads(data, parse_constant=lambda _token: None)


def dumps_compact(value: Any) -> str:
    """Strict, compact JSON on one line (SSE data lines must not contain newlines)."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False)
