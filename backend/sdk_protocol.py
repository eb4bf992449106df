"""The SDK's request and answer models: a user's script starts a run of its own (kind `external`).

The answer makes the script the run's holder, as a claim makes a worker one: it carries a worker id and a
lease token, and from then on the script speaks the worker protocol (heartbeat, ingest, artifacts, finish;
docs/protocol.md) for that run. docs/sdk.md describes the SDK that speaks it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from trainboard.backend.schemas import MAX_TAGS, Tag, _sorted_unique
from trainboard.backend.worker_protocol import RequestLimits
from trainboard.common.script_paths import command_args, command_fields


class ExternalRunCreate(BaseModel):
    """A script starting a run: its name, its free-form config, and where it runs."""

    name: str | None = Field(None, min_length=1, max_length=200, description="Default: 'script on <host>'")
    config: dict[str, Any] = Field(default_factory=dict, description="Any JSON object; shown on the run page")
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    host: str = Field("", max_length=200, description="The machine the script runs on")
    pid: int | None = Field(None, ge=0, le=2**31 - 1, description="The script's process id")

    _tags = field_validator("tags")(_sorted_unique)


class ExternalRunStarted(BaseModel):
    """What the script needs to report for its run: ids, the lease terms, the request limits."""

    run_id: int
    worker_id: int = Field(description="The holder id of the script; `worker_id` of every report")
    lease_token: str = Field(description="Secret of this run: the X-Lease-Token header of every report")
    next_seq: int
    lease_s: float = Field(description="Silent this long, the run becomes `crashed`")
    heartbeat_s: float
    limits: RequestLimits


class ScriptRunCreate(BaseModel):
    """A run of a user's own script, launched from the dashboard or the API and run by a worker that allows
    its folder (`trainboard worker --scripts DIR`)."""

    name: str | None = Field(None, min_length=1, max_length=200, description="Default: the command")
    config: dict[str, Any] = Field(default_factory=dict, description="Fills the command's {fields}")
    command: str = Field(min_length=1, max_length=2000, description="e.g. 'python train.py --lr {lr}'; each "
                         "{field} is filled from config; run as an argument list, never through a shell")
    cwd: str = Field(min_length=1, max_length=1000, description="Absolute folder the script runs in")
    grace_s: float = Field(10.0, ge=0.1, le=600, description="After a cancel: SIGTERM, then SIGKILL this much later")
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    worker_tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS, description="Only workers with all")

    _tags = field_validator("tags", "worker_tags")(_sorted_unique)

    @field_validator("cwd")
    @classmethod
    def _absolute(cls, cwd: str) -> str:
        if not cwd.startswith("/"):
            raise ValueError("cwd must be an absolute folder, e.g. /home/me/project")
        return cwd

    @field_validator("command")
    @classmethod
    def _fields_given(cls, command: str, info: ValidationInfo) -> str:
        config = info.data.get("config") or {}
        try:
            missing = [name for name in command_fields(command) if name not in config]
            if not missing:
                command_args(command, config)
        except (ValueError, KeyError, IndexError, AttributeError) as error:
            raise ValueError(f"cannot fill the command from config: {error}") from None
        if missing:
            raise ValueError(f"{{{missing[0]}}} is not in config (give config.{missing[0]})")
        return command
