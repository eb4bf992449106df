"""Schemathesis hooks: besides the bodies it generates from the schema, send each one with a value replaced by
deep nesting (loaded by SCHEMATHESIS_HOOKS). Its client refuses to encode NaN and infinities: the raw-body test
in test_schemathesis.py sends those as tokens."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import strategies as st

DEPTH = 150  # nesting the fuzzer itself can still encode and report (the raw-body test goes 20,000 deep)


def _replace_first(body: Any, value: Any) -> Any:
    """`body` with its first leaf value (depth first) replaced by `value`."""
    if isinstance(body, dict) and body:
        key = next(iter(body))
        return {**body, key: _replace_first(body[key], value)}
    if isinstance(body, list) and body:
        return [_replace_first(body[0], value), *body[1:]]
    return value


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


@schemathesis.hook
def flatmap_body(_context: Any, body: Any) -> Any:
    """The generated body, or it with deep nesting in place of a value or beside the others."""
    if not isinstance(body, (dict, list)):
        return st.just(body)
    return st.sampled_from([
        body,
        _replace_first(body, _nested(DEPTH)),
        {**body, "deep": _nested(DEPTH)} if isinstance(body, dict) else body,
    ])
