"""Request and response models of the REST API. Routes declare these; table rows never leave unfiltered.

The worker protocol's models are in worker_protocol.py.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from trainboard.backend.field_types import MAX_DB_INT, RunStatus, UtcDatetime
from trainboard.trainer.config import LRFindConfig, TrainConfig
from trainboard.trainer.presets import PRESETS


class ErrorPublic(BaseModel):
    """The body of every error answer except 422 (which lists the invalid fields)."""

    detail: str


# --- runs -----------------------------------------------------------------------------------------------
class ProgressPublic(BaseModel):
    """Where a run is; counters are 1-based and inclusive."""

    epoch: int
    epochs: int
    step: int
    total_steps: int
    images_per_s: float | None = None
    eta_s: float | None = None  # seconds
    phase: str | None = None  # what the run is doing when not plain training: "loading cifar10", "building resnet9"


class RunPublic(BaseModel):
    """A run as the API shows it: `RunPublic.model_validate(run_row, from_attributes=True)`."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    status: RunStatus
    config: dict[str, Any]
    preset: str | None
    tags: list[str] = Field(description="Short labels, sorted")
    note: str = Field(description="What the run is for, in markdown")
    group_id: int | None = Field(
        None, description="Runs launched together as seeds of one config share this: the id of the group's first run"
    )
    parent_id: int | None = Field(
        None, description="The run whose last checkpoint this one continues (its children: GET /api/runs?parent=ID)"
    )
    created_at: UtcDatetime
    started_at: UtcDatetime | None
    finished_at: UtcDatetime | None
    worker: str | None = Field(
        validation_alias=AliasChoices("worker", "worker_name"),
        description="Name of the worker that holds (or last ran) the run",
    )
    device: str | None
    progress: ProgressPublic | None
    summary: dict[str, Any] | None
    info: dict[str, Any] | None = Field(description="What the trainer reported at start: classes, sizes, parameters")
    error: str | None
    attempt: int
    best_test_acc: float | None = Field(description="Best test accuracy so far, a fraction in [0, 1]")
    last_event_id: int = Field(description="Subscribe to /api/runs/{id}/events from here")
    waiting: str | None = Field(
        None, description="Queued runs that no live worker can take: why ('waiting: no live worker has model x')"
    )


class RunsPublic(BaseModel):
    """A page of runs, in the order asked for, and how many match in all."""

    data: list[RunPublic]
    count: int


TAG_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,39}$"
MAX_TAGS = 16
MAX_NOTE_CHARS = 10_000
Tag = Annotated[str, StringConstraints(pattern=TAG_PATTERN)]


def _sorted_unique(tags: list[str] | None) -> list[str] | None:
    return None if tags is None else sorted(set(tags))


class RunUpdate(BaseModel):
    """The body of PATCH /api/runs/{id}: the fields to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    tags: list[Tag] | None = Field(
        None, max_length=MAX_TAGS, description="Replaces the run's tags; letters, digits and _ . : - (up to 40)"
    )
    note: str | None = Field(None, max_length=MAX_NOTE_CHARS, description="Markdown")

    _tags = field_validator("tags")(_sorted_unique)


RUN_SORTS = ("name", "created_at", "best_test_acc", "duration", "images_per_s", "status", "model", "dataset")


class RunFilters(BaseModel):
    """Which runs GET /api/runs (and its export) holds, and in which order."""

    q: str | None = Field(
        None, max_length=200, description="Case-insensitive substring of the name, a tag, model, dataset or preset"
    )
    status: RunStatus | None = None
    kind: Literal["train", "lr_find", "external", "script"] | None = None
    tag: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS, description="Runs carrying every one of these")
    created_after: UtcDatetime | None = None
    created_before: UtcDatetime | None = None
    preset: str | None = Field(None, max_length=100, description="Runs launched from this preset (exact name)")
    group: int | None = Field(None, ge=1, le=MAX_DB_INT, description="Runs of this seed group")
    parent: int | None = Field(None, ge=1, le=MAX_DB_INT, description="Runs that continue this run")
    sort: str = Field(
        "-created_at", description=f"One of {', '.join(RUN_SORTS)}; a leading '-' sorts descending"
    )

    @field_validator("sort")
    @classmethod
    def _known_sort(cls, sort: str) -> str:
        if sort.removeprefix("-") not in RUN_SORTS:
            valid = ", ".join(RUN_SORTS)
            raise ValueError(f"sort must be one of {valid}, each with an optional leading '-' (descending)")
        return sort


def run_create_schema() -> dict[str, Any]:
    """JSON schema of the POST /api/runs body for the docs: an optional `preset` plus every config field."""
    schema = LRFindConfig.model_json_schema()
    finder_only = set(LRFindConfig.model_fields) - set(TrainConfig.model_fields)
    properties = {}
    for name, field_schema in schema["properties"].items():
        if name in finder_only:
            field_schema = {
                **field_schema,
                "description": f"LR finder only. {field_schema.get('description', '')}".strip(),
            }
        properties[name] = field_schema
    properties["kind"] = {"enum": ["train", "lr_find"], "default": "train", "title": "Kind"}
    preset = {"enum": list(PRESETS), "description": "Start from this preset; the other fields override it"}
    return {
        "title": "RunCreate",
        "type": "object",
        "description": "A preset name and/or config fields, flat. Unknown fields are refused.",
        "properties": {"preset": preset, **properties},
        "additionalProperties": False,
    }


# The body of POST /api/runs is a flat JSON object: an optional "preset" plus any config fields.
RUN_CREATE_EXAMPLES = {
    "preset": {"summary": "A preset with overrides", "value": {"preset": "origin-2ep", "dataset": "synthetic"}},
    "fields": {
        "summary": "Plain fields",
        "value": {"model": "tutorial_cnn", "dataset": "fashion-mnist", "epochs": 1, "batch_size": 64, "lr": 0.01},
    },
    "lr_find": {
        "summary": "An LR range test",
        "value": {"preset": "resnet-lrfind", "dataset": "synthetic", "num_iter": 50},
    },
}
RUN_CLONE_EXAMPLES = {
    "lr": {"summary": "Train with the LR an LR finder suggested", "value": {"kind": "train", "lr": 0.005}},
}
RUN_CONTINUE_EXAMPLES = {
    "more": {"summary": "Eight more epochs at a lower lr", "value": {"epochs": 10, "lr": 0.0005}},
}


# --- metrics --------------------------------------------------------------------------------------------
class SeriesPublic(BaseModel):
    """One metric series: x values (`steps`) and y values, possibly downsampled."""

    name: str
    steps: list[int]
    values: list[float | None]
    total: int = Field(description="Points stored for this series (before downsampling)")


class MetricsPublic(BaseModel):
    """The requested series and the event id they are complete up to."""

    run_id: int
    last_event_id: int = Field(description="Every point up to this event is included; subscribe to SSE from here")
    series: dict[str, SeriesPublic]


# --- logs and artifacts ---------------------------------------------------------------------------------
class LogLine(BaseModel):
    """One line of a run's log."""

    time: UtcDatetime
    level: str
    message: str


class LogsPublic(BaseModel):
    """A run's log lines, oldest first."""

    data: list[LogLine]
    count: int


class ArtifactPublic(BaseModel):
    """What is stored for one artifact of a run."""

    name: str
    media_type: str
    size: int
    epoch: int | None
    step: int | None
    created_at: UtcDatetime


class ArtifactsPublic(BaseModel):
    """A run's artifacts."""

    data: list[ArtifactPublic]
    count: int


class EvaluationPublic(BaseModel):
    """One kept test evaluation of a run: where it was taken, its scores and the bytes stored for it."""

    epoch: int
    step: int
    accuracy: float | None
    per_class: list[float] | None
    size: int  # bytes of the evaluation payload (confusion, per-class, feature maps)
    mistakes_size: int | None  # bytes of its mistakes gallery, None when there is none
    created_at: UtcDatetime


class EvaluationsPublic(BaseModel):
    """A run's kept evaluations, oldest first, and the class names their per-class lists follow."""

    data: list[EvaluationPublic]
    count: int
    classes: list[str]


class ArtifactStored(BaseModel):
    """Answer to an artifact upload."""

    name: str
    size: int


# --- workers --------------------------------------------------------------------------------------------
class WorkerPublic(BaseModel):
    """A registered worker as the dashboard shows it."""

    id: int
    name: str
    device: str
    capabilities: dict[str, Any]
    registered_at: UtcDatetime
    last_seen_at: UtcDatetime
    alive: bool = Field(description="Seen within the lease")
    run_id: int | None = Field(description="The run it holds now")
    load: dict[str, float] = Field(
        default_factory=dict, description="Latest value of each system/... series of that run: CPU %, RSS (MB), "
        "on a GPU its utilisation % and memory (MB), the share of step time waiting on data; {} when idle",
    )


class WorkersPublic(BaseModel):
    """Registered workers, most recently seen first."""

    data: list[WorkerPublic]
    count: int


# --- meta -----------------------------------------------------------------------------------------------
class PresetPublic(BaseModel):
    """A named run config and the accuracy its reference run reached."""

    name: str
    kind: str
    description: str
    fields: dict[str, Any]
    reference_test_accuracy: float | None = Field(description="Percent")
    reference_per_class: dict[str, float]


class PresetsPublic(BaseModel):
    """All presets."""

    data: list[PresetPublic]
    count: int


class ModelArgPublic(BaseModel):
    """One option of a network, as its registration declares it (the launch form renders a field for it)."""

    name: str
    type: Literal["int", "float", "bool", "str"]
    default: bool | int | float | str | None = None
    required: bool = False
    choices: list[bool | int | float | str] | None = None


class ModelPublic(BaseModel):
    """A network a run can train: a built-in, or one that live workers' plugins offer."""

    name: str
    description: str
    parameters: int | None = Field(None, description="For 3x32x32 inputs, 10 classes and default options")
    source: str = Field("builtin", description="'builtin', or the plugin module that registered it")
    args: list[ModelArgPublic] = Field(default_factory=list, description="Options, set in the run's model_args")
    feature_layers: list[str] | None = Field(None, description="Layers whose activations are shown by default")
    layers: list[str] | None = Field(None, description="Module names, for feature_layers")
    workers: list[str] = Field(default_factory=list, description="Live workers that offer it")


class ModelsPublic(BaseModel):
    """All networks."""

    data: list[ModelPublic]
    count: int


class DatasetPublic(BaseModel):
    """A dataset: whether it is on the server's data directory (built-ins), and which live workers have it."""

    name: str
    description: str = ""
    status: Literal["present", "downloadable", "missing"]
    path: str | None
    how: str
    train_size: int | None = Field(description="Images in the training split; None where only the worker knows")
    test_size: int | None
    source: str = Field("builtin", description="'builtin', 'npz', 'image-folder', or the plugin that registered it")
    workers: list[str] = Field(default_factory=list, description="Live workers that can load it")


class DatasetsPublic(BaseModel):
    """All datasets."""

    data: list[DatasetPublic]
    count: int


class SessionCreate(BaseModel):
    """Sign in to the dashboard with the API token."""

    token: str = Field(min_length=1, max_length=1_000)


class SessionPublic(BaseModel):
    """Whether the server needs a token and whether the caller is signed in."""

    token_required: bool
    signed_in: bool


class Health(BaseModel):
    """The server answers and its database works."""

    status: Literal["ok"]
    version: str
    database: str
    schema_version: int
