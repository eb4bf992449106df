"""The worker protocol's request and answer models (docs/protocol.md): register, claim, heartbeat, ingest, finish."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, field_validator

from trainboard.backend.field_types import MAX_DB_INT, FiniteOrNone

MAX_EVENTS_PER_BATCH = 10_000
MAX_POINTS_PER_EVENT = 100_000
METRIC_NAME_PATTERN = r"^[A-Za-z0-9_.:/-]{1,100}$"


class WorkerRegister(BaseModel):
    """A worker introducing itself."""

    name: str = Field(min_length=1, max_length=200)
    device: str = Field(min_length=1, max_length=100)
    capabilities: dict[str, Any] = Field(default_factory=dict)


class WorkerOffer(BaseModel):
    """What a registered worker offers now (its datasets changed since it registered)."""

    capabilities: dict[str, Any]


class RequestLimits(BaseModel):
    """What the server accepts in one request; a worker splits what it sends to fit."""

    max_request_bytes: int = Field(description="Body of one ingest batch (TRAINBOARD_MAX_REQUEST_MB)")
    max_events_per_batch: int = MAX_EVENTS_PER_BATCH
    max_points_per_event: int = MAX_POINTS_PER_EVENT
    max_artifact_bytes: int = Field(description="One JSON artifact (TRAINBOARD_MAX_ARTIFACT_MB)")
    max_checkpoint_bytes: int = Field(description="One checkpoint (TRAINBOARD_MAX_CHECKPOINT_MB)")


class WorkerRegistered(BaseModel):
    """The worker's id, how often it must heartbeat, and the server's request limits."""

    id: int
    name: str
    lease_s: float
    heartbeat_s: float
    limits: RequestLimits


class ResumePoint(BaseModel):
    """Where a re-claimed run continues: after `epoch` epochs, `step` global steps."""

    epoch: int
    step: int


class StartPoint(BaseModel):
    """Where a continued run starts: run `run_id`'s checkpoint, after `epoch` epochs and `step` global steps."""

    run_id: int
    epoch: int
    step: int


class ClaimedRun(BaseModel):
    """What a worker needs to execute a run it claimed."""

    id: int
    kind: str
    config: dict[str, Any]
    attempt: int
    next_seq: int
    resume: ResumePoint | None
    start_from: StartPoint | None = Field(
        None, description="A continued run with no checkpoint of its own: download this run's checkpoint, start there"
    )
    lease_token: str = Field(description="Secret of this claim: the X-Lease-Token header of every request about the run")


class ClaimAnswer(BaseModel):
    """Answer to a successful claim."""

    run: ClaimedRun


class HeartbeatRequest(BaseModel):
    """A worker is alive, holding `run_id` (or idle)."""

    run_id: int | None = Field(None, ge=1, le=MAX_DB_INT)


class HeartbeatAnswer(BaseModel):
    """Whether the held run must stop: a user cancelled it, or its sweep's pruner stopped it."""

    cancel: bool


# --- events a worker posts --------------------------------------------------------------------------------
class _SequencedEvent(BaseModel):
    seq: int = Field(ge=1, le=MAX_DB_INT, description="Per-run sequence number, starting at the claim's next_seq")


class StartEvent(_SequencedEvent):
    """on_start: config, model and parameter count, dataset sizes, class names, device."""

    type: Literal["start"]
    info: dict[str, Any] = Field(default_factory=dict)


class MetricPointIn(BaseModel):
    """One value of a named series; non-finite values are stored as null."""

    name: str = Field(pattern=METRIC_NAME_PATTERN)
    step: int = Field(ge=0, le=MAX_DB_INT)
    value: FiniteOrNone


class MetricsEvent(_SequencedEvent):
    """on_metrics: a batch of points."""

    type: Literal["metrics"]
    points: list[MetricPointIn] = Field(max_length=MAX_POINTS_PER_EVENT)


class ProgressEvent(_SequencedEvent):
    """on_progress: counters, throughput, time left and the phase (set while the run is not plain training)."""

    type: Literal["progress"]
    epoch: int = Field(ge=0)
    epochs: int = Field(ge=0)
    step: int = Field(ge=0)
    total_steps: int = Field(ge=0)
    images_per_s: FiniteOrNone = None
    eta_s: FiniteOrNone = None
    phase: str | None = Field(None, max_length=200)  # "loading cifar10", "evaluating on 10,000 test images", ...


class LogEvent(_SequencedEvent):
    """on_log: one human-readable line (or a traceback)."""

    type: Literal["log"]
    level: str = Field("info", max_length=20)
    message: str = Field(max_length=100_000)


class SummaryEvent(_SequencedEvent):
    """on_end: the run's final summary."""

    type: Literal["summary"]
    summary: dict[str, Any]


class ConfigEvent(_SequencedEvent):
    """More of a script's config, learnt after its run started (Lightning logs hyperparameters late); merged
    into the config of a run of kind `external` only (a worker's run keeps the config it was launched with)."""

    type: Literal["config"]
    config: dict[str, Any]


WorkerEvent = Annotated[
    Union[StartEvent, MetricsEvent, ProgressEvent, LogEvent, SummaryEvent, ConfigEvent], Field(discriminator="type")
]


class IngestRequest(BaseModel):
    """A batch of sequenced events from the worker holding the run."""

    worker_id: int = Field(ge=1, le=MAX_DB_INT)
    events: list[WorkerEvent] = Field(max_length=MAX_EVENTS_PER_BATCH)


class IngestResult(BaseModel):
    """How many events were new, how many were re-sent, and the highest seq stored."""

    accepted: int
    duplicates: int
    last_seq: int


class FinishRequest(BaseModel):
    """How the worker's execution of a run ended; `requeue` hands it back to the queue."""

    worker_id: int = Field(ge=1, le=MAX_DB_INT)
    status: Literal["succeeded", "failed", "cancelled", "crashed", "diverged", "requeue"]
    error: str | None = Field(None, max_length=10_000)
    log: str | None = Field(None, max_length=1_000_000)

    @field_validator("error")
    @classmethod
    def _strip_error(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None
