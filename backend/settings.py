"""Backend settings, read once from TRAINBOARD_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import platformdirs

from worker.trainer.data.paths import resolve_data_dir

MIB = 1024 * 1024
# frontend/ sits next to backend/ in the source tree.
DEFAULT_FRONTEND_DIR = Path(__file__).resolve().parent.parent / "frontend"


def default_db_path() -> Path:
    """The SQLite file used when neither TRAINBOARD_DATABASE_URL nor TRAINBOARD_DB is set."""
    return platformdirs.user_data_path("trainboard") / "trainboard.db"


def sqlite_url(path: Path) -> str:
    """An SQLAlchemy URL for the SQLite file at `path`."""
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class Settings:
    """Everything the backend reads from its environment."""

    database_url: str
    artifact_dir: Path
    data_dir: Path
    lease_s: float = 60.0  # a running run whose worker is silent this long goes back to the queue
    lease_check_s: float = 5.0  # how often the server looks for expired leases
    token: str | None = None  # when set, every /api request except /api/health needs it
    sse_keepalive_s: float = 15.0  # seconds between ': keep-alive' comments on idle event streams
    max_request_bytes: int = 16 * MIB  # request bodies other than artifact uploads (run configs, ingest batches)
    max_artifact_bytes: int = 64 * MIB  # JSON artifacts (feature maps are the largest, a few MB)
    max_checkpoint_bytes: int = 2048 * MIB
    frontend_dir: Path = DEFAULT_FRONTEND_DIR

    @property
    def heartbeat_s(self) -> float:
        """How often workers should heartbeat: four beats per lease, so one lost beat never expires it."""
        return max(0.05, self.lease_s / 4)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from TRAINBOARD_* variables (`env` defaults to os.environ); keyword overrides win."""
        env = os.environ if env is None else env
        db_path = Path(env["TRAINBOARD_DB"]).expanduser() if env.get("TRAINBOARD_DB") else default_db_path()
        database_url = env.get("TRAINBOARD_DATABASE_URL") or sqlite_url(db_path)
        if env.get("TRAINBOARD_ARTIFACT_DIR"):
            artifact_dir = Path(env["TRAINBOARD_ARTIFACT_DIR"]).expanduser()
        elif database_url.startswith("sqlite"):
            artifact_dir = db_path.parent / "artifacts"  # next to the database file it belongs to
        else:
            artifact_dir = platformdirs.user_data_path("trainboard") / "artifacts"
        lease_s = float(env.get("TRAINBOARD_LEASE_S", 60.0))
        settings = cls(
            database_url=database_url,
            artifact_dir=artifact_dir,
            data_dir=resolve_data_dir(env.get("TRAINBOARD_DATA_DIR") or None),
            lease_s=lease_s,
            lease_check_s=float(env.get("TRAINBOARD_LEASE_CHECK_S", min(5.0, max(0.05, lease_s / 4)))),
            token=env.get("TRAINBOARD_TOKEN") or None,
            sse_keepalive_s=float(env.get("TRAINBOARD_SSE_KEEPALIVE_S", 15.0)),
            max_request_bytes=int(env.get("TRAINBOARD_MAX_REQUEST_MB", 16)) * MIB,
            max_artifact_bytes=int(env.get("TRAINBOARD_MAX_ARTIFACT_MB", 64)) * MIB,
            max_checkpoint_bytes=int(env.get("TRAINBOARD_MAX_CHECKPOINT_MB", 2048)) * MIB,
            frontend_dir=Path(env.get("TRAINBOARD_FRONTEND_DIR") or DEFAULT_FRONTEND_DIR),
        )
        return replace(settings, **overrides)
