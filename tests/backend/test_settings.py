"""TRAINBOARD_* variables: bounds checked, a bad value is one line naming the variable, resolved paths."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from trainboard.backend.settings import MIB, Settings, SettingsError


def test_a_variable_that_is_not_a_number_is_one_line_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINBOARD_LEASE_S", "abc")
    with pytest.raises(SettingsError) as raised:
        Settings.from_env()
    assert str(raised.value).startswith("TRAINBOARD_LEASE_S: ") and "'abc'" in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(("variable", "value"), [
    ("TRAINBOARD_LEASE_S", "-5"), ("TRAINBOARD_LEASE_S", "0"), ("TRAINBOARD_MAX_REQUEST_MB", "0"),
    ("TRAINBOARD_SSE_KEEPALIVE_S", "-1"), ("TRAINBOARD_LEASE_CHECK_S", "0"),
])
def test_out_of_bounds_values_are_refused(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=f"^{variable}: "):
        Settings.from_env()


def test_values_resolve_to_paths_urls_and_bytes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRAINBOARD_DB", str(tmp_path / "x.db"))
    monkeypatch.setenv("TRAINBOARD_MAX_REQUEST_MB", "3")
    monkeypatch.setenv("TRAINBOARD_LEASE_S", "8")
    monkeypatch.delenv("TRAINBOARD_DATABASE_URL", raising=False)
    monkeypatch.delenv("TRAINBOARD_ARTIFACT_DIR", raising=False)
    settings = Settings.from_env()
    assert settings.database_url == f"sqlite:///{tmp_path / 'x.db'}"
    assert settings.artifact_dir == tmp_path / "artifacts"
    assert settings.max_request_bytes == 3 * MIB
    assert settings.lease_check_s == 2.0 and settings.heartbeat_s == 2.0
    assert (settings.frontend_dir / "index.html").is_file()  # the package's own files, no variable needed


def test_an_explicit_database_file_wins_over_a_url_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                                        tmp_path: Path) -> None:
    monkeypatch.setenv("TRAINBOARD_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    settings = Settings.from_env(db=tmp_path / "mine.db", database_url=None)
    assert settings.database_url == f"sqlite:///{tmp_path / 'mine.db'}"


def test_serve_with_a_bad_variable_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAINBOARD_")}
    env["TRAINBOARD_LEASE_S"] = "abc"
    result = subprocess.run([sys.executable, "-m", "trainboard", "serve", "--workers", "0", "--db",
                             str(tmp_path / "t.db")], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: TRAINBOARD_LEASE_S: Input should be a valid number, unable to parse string as a number (got 'abc')"
    ]
