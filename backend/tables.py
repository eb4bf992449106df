"""SQLModel tables: runs, their metric points, their stored events and artifacts, and workers.

Times are aware UTC datetimes (SQLModel stores them as UTC on every database and returns them with tzinfo).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from trainboard.common.statuses import (  # noqa: F401  (re-exported: the services import them from here)
    ACTIVE_STATUSES,
    CANCELLED,
    CRASHED,
    FAILED,
    FINISHED_STATUSES,
    PRUNED,
    QUEUED,
    RUN_STATUSES,
    RUNNING,
    STOPPED_BY_SERVER,
    SUCCEEDED,
)

SERIES_INDEX = "ix_metric_point_series"
# The runs list filters and sorts on these (GET /api/runs?sort=...): one index per sortable column.
RUN_LIST_INDEXES = ("ix_run_name", "ix_run_created_at", "ix_run_best_test_acc", "ix_run_images_per_s",
                    "ix_run_model", "ix_run_dataset")
# A run's seed group and the run it continues: the runs list filters on both, the run page lists children.
RUN_LINEAGE_INDEXES = ("ix_run_group_id", "ix_run_parent_id")


def utcnow() -> datetime:
    """The current time in UTC, the form every timestamp column holds."""
    return datetime.now(timezone.utc)


class SchemaVersion(SQLModel, table=True):
    """One row: the version of the newest migration applied (see migrations.py)."""

    __tablename__ = "schema_version"

    id: int = Field(default=1, primary_key=True)
    version: int = 0


class Worker(SQLModel, table=True):
    """A registered worker process (one per GPU or CPU)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    device: str = Field(max_length=100)
    capabilities: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    registered_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)


class Run(SQLModel, table=True):
    """One training run or LR range test: its config, where it is in its lifecycle, its results."""

    __table_args__ = (
        Index("ix_run_status_id", "status", "id"),  # the claim query: oldest queued first
        *(Index(name, name.removeprefix("ix_run_")) for name in RUN_LIST_INDEXES + RUN_LINEAGE_INDEXES),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20, index=True)
    status: str = Field(default=QUEUED, max_length=20)
    config: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    preset: str | None = Field(default=None, max_length=100)
    model: str | None = Field(default=None, max_length=100)  # copies of config's, for SQL search and sort
    dataset: str | None = Field(default=None, max_length=100)
    tags: list[str] = Field(  # sorted, unique; RunTag rows index them
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default=text("'[]'"))
    )
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=text("''")))  # markdown
    # Runs launched together as N seeds of one config share a group: the id of the group's first run.
    group_id: int | None = None
    # A run continued from another's last checkpoint: that run's id (no foreign key: deleting a parent
    # leaves its children, which then say the parent is gone).
    parent_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None  # last sign of life from the worker holding the run
    worker_id: int | None = Field(default=None, foreign_key="worker.id", ondelete="SET NULL", index=True)
    worker_name: str | None = Field(default=None, max_length=200)
    device: str | None = Field(default=None, max_length=100)
    attempt: int = 0  # claims so far; 2+ means the run was handed back or its lease expired
    lease_hash: str | None = Field(default=None, max_length=64)  # SHA-256 of the holder's lease token
    progress: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    info: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))  # the trainer's on_start payload
    summary: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    error: str | None = Field(default=None, sa_column=Column(Text))
    best_test_acc: float | None = None  # fraction in [0, 1]
    images_per_s: float | None = None  # training speed: the summary's, else the latest progress report's
    last_seq: int = 0  # highest worker event seq stored (idempotent ingest)
    last_event_id: int = 0  # id of the newest RunEvent of this run (SSE resume point)


class RunTag(SQLModel, table=True):
    """One tag of one run: the index behind filtering runs by tag (Run.tags is the copy the API shows)."""

    __tablename__ = "run_tag"
    __table_args__ = (Index("ix_run_tag_tag_run_id", "tag", "run_id"),)

    run_id: int = Field(foreign_key="run.id", ondelete="CASCADE", primary_key=True)
    tag: str = Field(max_length=40, primary_key=True)


class RunEvent(SQLModel, table=True):
    """A stored live event of one run; its id is the SSE event id, so reconnects replay from here."""

    __tablename__ = "run_event"
    __table_args__ = (Index("ix_run_event_run_id_id", "run_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", ondelete="CASCADE")
    event: str = Field(max_length=20)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class MetricPoint(SQLModel, table=True):
    """One value of a named series of a run at x = step (global step, epoch or LR-finder iteration)."""

    __tablename__ = "metric_point"
    # Covering index: reading a series (run, name, in step order, up to an event id) never touches the table.
    __table_args__ = (Index(SERIES_INDEX, "run_id", "name", "step", "event_id", "value"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", ondelete="CASCADE")
    event_id: int  # the RunEvent that carried it: a page that read up to event N subscribes from N
    name: str = Field(max_length=100)
    step: int
    value: float | None = None  # None for non-finite values (a diverging LR finder reports inf)


class Artifact(SQLModel, table=True):
    """A file a run produced (JSON payloads and checkpoints), stored under the artifact directory."""

    __table_args__ = (UniqueConstraint("run_id", "name", name="uq_artifact_run_name"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=50)
    media_type: str = Field(max_length=100)
    path: str = Field(max_length=500)  # relative to the artifact directory
    size: int  # bytes
    epoch: int | None = None
    step: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Sweep(SQLModel, table=True):
    """A hyperparameter search: a base config, a search space, and the Optuna study that samples and prunes.

    The study lives in the same database (Optuna's own tables, under `study_name`); a sweep's trials are
    ordinary runs, one SweepTrial row each.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    status: str = Field(default="running", max_length=20, index=True)  # running, succeeded, cancelled
    preset: str | None = Field(default=None, max_length=100)
    base: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # the validated base config
    space: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # field -> {type, low, high, choices}
    metric: str = Field(max_length=100)
    direction: str = Field(max_length=10)  # maximize or minimize
    trials: int  # the trial budget
    parallel: int  # trials queued or running at once
    sampler: str = Field(max_length=20)
    pruner: str = Field(max_length=20)
    seed: int = 0  # the sampler's
    study_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class SweepTrial(SQLModel, table=True):
    """One trial of a sweep: its run, its Optuna trial, the values it reported, and how it ended."""

    __tablename__ = "sweep_trial"
    __table_args__ = (UniqueConstraint("sweep_id", "number", name="uq_sweep_trial_number"),)

    run_id: int = Field(foreign_key="run.id", ondelete="CASCADE", primary_key=True)
    sweep_id: int = Field(foreign_key="sweep.id", ondelete="CASCADE", index=True)
    number: int  # Optuna's trial number in the study (0-based)
    trial_id: int  # Optuna's id of that trial (what its storage calls it)
    params: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    reported: dict[str, Any] = Field(  # epoch (as text) -> the metric's value told to the study
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    state: str = Field(default="running", max_length=20)  # running, complete, pruned, failed
    value: float | None = None  # the final value told to the study
    reason: str | None = Field(default=None, sa_column=Column(Text))  # why it was pruned


class EvaluationFile(SQLModel, table=True):
    """One payload (evaluation or mistakes) of one test evaluation of a run: every evaluation is kept."""

    __table_args__ = (UniqueConstraint("run_id", "name", "epoch", name="uq_evaluation_file_run_name_epoch"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=50)
    epoch: int
    step: int
    path: str = Field(max_length=500)  # relative to the artifact directory
    size: int  # bytes
    # For the runs page's lines over epochs, without reading every file: {"accuracy": f, "per_class": [f]}.
    scores: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)
