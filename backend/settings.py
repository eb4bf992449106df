"""Backend settings: the TRAINBOARD_* variables, validated once with their bounds, and the values they resolve to.

`EnvSettings` is what a person sets (read by pydantic-settings, one field per variable); `Settings` is
what the server runs with (paths filled in, sizes in bytes). A bad value is one line naming the variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from trainboard.trainer.data.paths import resolve_data_dir

MIB = 1024 * 1024
ENV_PREFIX = "TRAINBOARD_"


def default_db_path() -> Path:
    """The SQLite file used when neither TRAINBOARD_DATABASE_URL nor TRAINBOARD_DB is set."""
    return platformdirs.user_data_path("trainboard") / "trainboard.db"


def default_frontend_dir() -> Path:
    """The dashboard's files as installed with the package (trainboard.frontend)."""
    import trainboard.frontend

    return Path(trainboard.frontend.__file__).resolve().parent


def sqlite_url(path: Path) -> str:
    """An SQLAlchemy URL for the SQLite file at `path`."""
    return f"sqlite:///{path}"


class SettingsError(ValueError):
    """A TRAINBOARD_* variable holds a value the server cannot use; the message is one line naming it."""


class EnvSettings(BaseSettings):
    """The server's environment variables (TRAINBOARD_<FIELD>), each checked against its bounds."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    database_url: str | None = Field(None, description="any SQLAlchemy URL; default: a SQLite file")
    db: Path | None = Field(None, description="path of the SQLite file")
    data_dir: Path | None = None
    artifact_dir: Path | None = None
    token: str | None = None
    lease_s: float = Field(60.0, gt=0, le=86_400)
    lease_check_s: float | None = Field(None, gt=0, le=3_600)
    max_attempts: int = Field(5, ge=1, le=1_000)
    sweep_check_s: float = Field(1.0, gt=0, le=3_600)
    allowed_hosts: str | None = Field(None, description="comma-separated Host names the server answers to")
    sse_keepalive_s: float = Field(15.0, gt=0, le=3_600)
    max_request_mb: float = Field(16, gt=0, le=65_536)  # fractions allowed: 0.25 = 256 KiB
    max_artifact_mb: float = Field(64, gt=0, le=65_536)
    max_checkpoint_mb: float = Field(2048, gt=0, le=1_048_576)
    frontend_dir: Path | None = None


class Settings(BaseModel):
    """Everything the server runs with."""

    model_config = ConfigDict(frozen=True)

    database_url: str
    artifact_dir: Path
    data_dir: Path
    lease_s: float = 60.0  # a running run whose worker is silent this long goes back to the queue
    lease_check_s: float = 5.0  # how often the server looks for expired leases
    max_attempts: int = 5  # claims of one run without a finish before an expired lease fails it
    sweep_check_s: float = 1.0  # how often live sweeps are reconciled with their studies (backend/sweeps)
    # Host headers the server answers (DNS rebinding): loopback names by default; `serve` adds its address.
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")
    token: str | None = None  # when set, every /api request except /api/health needs it
    sse_keepalive_s: float = 15.0  # seconds between ': keep-alive' comments on idle event streams
    max_request_bytes: int = 16 * MIB  # request bodies other than artifact uploads (run configs, ingest batches)
    max_artifact_bytes: int = 64 * MIB  # JSON artifacts (feature maps are the largest, a few MB)
    max_checkpoint_bytes: int = 2048 * MIB
    frontend_dir: Path = Field(default_factory=default_frontend_dir)

    @property
    def heartbeat_s(self) -> float:
        """How often workers should heartbeat: four beats per lease, so one lost beat never expires it."""
        return max(0.05, self.lease_s / 4)

    @classmethod
    def from_env(cls, **given: Any) -> Settings:
        """Settings from the TRAINBOARD_* variables; keyword arguments (EnvSettings fields) win over them.

        Raises SettingsError with one line naming the variable when a value is out of bounds or malformed.
        """
        try:
            env = EnvSettings(**given)
        except ValidationError as error:
            raise SettingsError(describe_env_error(error)) from None
        return cls.resolve(env)

    @classmethod
    def resolve(cls, env: EnvSettings) -> Settings:
        """The values the variables stand for: the database URL, default folders, sizes in bytes."""
        db_path = env.db.expanduser() if env.db else default_db_path()
        database_url = env.database_url or sqlite_url(db_path)
        if env.artifact_dir:
            artifact_dir = env.artifact_dir.expanduser()
        elif database_url.startswith("sqlite"):
            artifact_dir = db_path.parent / "artifacts"  # next to the database file it belongs to
        else:
            artifact_dir = platformdirs.user_data_path("trainboard") / "artifacts"
        return cls(
            database_url=database_url,
            artifact_dir=artifact_dir,
            data_dir=resolve_data_dir(env.data_dir),
            lease_s=env.lease_s,
            lease_check_s=env.lease_check_s or min(5.0, max(0.05, env.lease_s / 4)),
            max_attempts=env.max_attempts,
            sweep_check_s=env.sweep_check_s,
            allowed_hosts=(*cls.model_fields["allowed_hosts"].default, *split_names(env.allowed_hosts)),
            token=env.token or None,
            sse_keepalive_s=env.sse_keepalive_s,
            max_request_bytes=int(env.max_request_mb * MIB),
            max_artifact_bytes=int(env.max_artifact_mb * MIB),
            max_checkpoint_bytes=int(env.max_checkpoint_mb * MIB),
            frontend_dir=env.frontend_dir or default_frontend_dir(),
        )


def split_names(value: str | None) -> tuple[str, ...]:
    """'a, b,c' -> ('a', 'b', 'c')."""
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def describe_env_error(error: ValidationError) -> str:
    """'TRAINBOARD_LEASE_S: Input should be a valid number (got 'abc')' for each bad variable, on one line."""
    parts = []
    for item in error.errors(include_url=False):
        field = str(item["loc"][0]) if item.get("loc") else ""
        variable = f"{ENV_PREFIX}{field.upper()}"
        parts.append(f"{variable}: {item['msg']} (got {item.get('input')!r})")
    return "; ".join(parts)
