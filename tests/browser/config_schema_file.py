"""Writes frontend/config-schema.json: the JSON schema of TrainConfig and LRFindConfig the launch form is built from.

Run `.venv/bin/python tests/browser/config_schema_file.py` after changing worker/trainer/config.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trainboard.trainer.config import LRFindConfig, TrainConfig

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "frontend" / "config-schema.json"


def schema_document() -> dict[str, Any]:
    """The schemas of both run kinds, keyed by kind."""
    return {"train": TrainConfig.model_json_schema(), "lr_find": LRFindConfig.model_json_schema()}


def schema_text() -> str:
    """The file's exact contents."""
    return json.dumps(schema_document(), indent=1) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(schema_text())
