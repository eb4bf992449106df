"""The launch form's field list (frontend/config-schema.json) is the config model's own JSON schema."""

from __future__ import annotations

from config_schema_file import SCHEMA_FILE, schema_text


def test_shipped_config_schema_matches_the_config_model() -> None:
    assert SCHEMA_FILE.read_text() == schema_text(), (
        "frontend/config-schema.json is out of date: run `.venv/bin/python tests/browser/config_schema_file.py`"
    )
