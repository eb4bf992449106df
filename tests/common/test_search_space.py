"""Search-space specs: the text forms the CLI and the API read, their object forms, and the refusals."""

from __future__ import annotations

import pytest

from trainboard.common.search_space import SpaceError, check_spec, describe_spec, parse_spec_text


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("log:1e-4:1e-1", {"type": "log", "low": 1e-4, "high": 0.1}),
        ("0.8:0.99", {"type": "uniform", "low": 0.8, "high": 0.99}),
        ("uniform:0:1", {"type": "uniform", "low": 0.0, "high": 1.0}),
        ("int:1:8", {"type": "int", "low": 1, "high": 8}),
        ("intlog:16:256", {"type": "intlog", "low": 16, "high": 256}),
        ("choice:32,64,128", {"type": "choice", "choices": [32, 64, 128]}),
        ("choice:true,false", {"type": "choice", "choices": [True, False]}),
        ("choice:cosine,onecycle", {"type": "choice", "choices": ["cosine", "onecycle"]}),
    ],
)
def test_text_specs_read_as_their_object_form_and_back(text: str, spec: dict) -> None:
    assert parse_spec_text(text) == spec
    assert parse_spec_text(describe_spec(spec)) == spec
    assert check_spec(spec) == spec


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("log:0:1", "log needs low > 0"),
        ("0.9:0.1", "must be less than high"),
        ("int:1.5:3", "not a whole number"),
        ("choice:32", "2 to 64 different values"),
        ("choice:1,1", "2 to 64 different values"),
        ("lr", "expected uniform:LOW:HIGH"),
        ("log:a:1", "'a' is not a number"),
        ({"type": "gauss", "low": 0, "high": 1}, "type one of log, uniform, int, intlog, choice"),
        ({"type": "int", "low": True, "high": 3}, "numeric low and high"),
        (7, "a spec is text"),
    ],
)
def test_bad_specs_say_what_was_expected(raw: object, message: str) -> None:
    with pytest.raises(SpaceError, match=message):
        check_spec(raw)
