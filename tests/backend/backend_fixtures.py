"""Settings for backend tests: everything under one temporary folder."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from backend.settings import Settings, sqlite_url


def make_settings(folder: Path, **overrides: Any) -> Settings:
    """Settings whose database, artifacts and data live in `folder`; keyword overrides win."""
    base = Settings(
        database_url=sqlite_url(folder / "trainboard.db"),
        artifact_dir=folder / "artifacts",
        data_dir=folder / "data",
    )
    return replace(base, **overrides)
