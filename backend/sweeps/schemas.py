"""Request and response models of the sweeps API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from trainboard.backend.field_types import UtcDatetime
from trainboard.backend.sweeps.study import PRUNERS, SAMPLERS

METRICS = ("test_acc", "test_loss", "train_acc", "train_loss")
MAX_PARAMS = 16


class SweepCreate(BaseModel):
    """The body of POST /api/sweeps: a base config, a search space and how to search it."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200, description="Default: the preset, or 'sweep'")
    preset: str | None = Field(None, description="Start the base config from this preset")
    base: dict[str, Any] = Field(default_factory=dict, description="Config fields over the preset (as POST /api/runs)")
    space: dict[str, Any] = Field(
        min_length=1, max_length=MAX_PARAMS,
        description="Config field -> spec: 'log:1e-4:1e-1', '0.8:0.99', 'int:1:8', 'choice:32,64,128', or an "
        "object {type: log|uniform|int|intlog|choice, low, high, choices}",
    )
    metric: Literal[METRICS] = Field("test_acc", description="The epoch series the study optimises")  # type: ignore[valid-type]
    direction: Literal["maximize", "minimize"] | None = Field(None, description="Default: maximize accuracy, minimize loss")
    trials: int = Field(16, ge=1, le=1000, description="Trials in all")
    parallel: int = Field(2, ge=1, le=64, description="Trials queued or running at once")
    sampler: Literal[SAMPLERS] = "tpe"  # type: ignore[valid-type]
    pruner: Literal[PRUNERS] = Field("asha", description="asha = successive halving, keeping the best third per rung")  # type: ignore[valid-type]
    seed: int = Field(0, ge=0, le=2**31 - 1, description="The sampler's seed")


class TrialPublic(BaseModel):
    """One trial: its run, parameters, the values it reported per epoch, and how it ended."""

    model_config = ConfigDict(from_attributes=True)

    number: int
    run_id: int
    params: dict[str, Any]
    reported: dict[str, float] = Field(description="Epoch -> the metric's value given to the study")
    state: str = Field(description="running, complete, pruned or failed")
    value: float | None
    reason: str | None = Field(description="Why the pruner stopped it")
    status: str = Field(description="The run's status")


class SweepPublic(BaseModel):
    """A sweep as the API shows it, with its trials and the best so far."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    status: str
    preset: str | None
    base: dict[str, Any]
    space: dict[str, Any]
    metric: str
    direction: str
    trials: int
    parallel: int
    sampler: str
    pruner: str
    seed: int
    created_at: UtcDatetime
    finished_at: UtcDatetime | None
    trial_list: list[TrialPublic] = Field(default_factory=list, description="Oldest first")
    best: TrialPublic | None = Field(None, description="The best complete trial so far")


class SweepsPublic(BaseModel):
    """Sweeps, newest first."""

    data: list[SweepPublic]
    count: int


class ImportancePublic(BaseModel):
    """How much each parameter explains of the metric over the complete trials (Optuna's fANOVA)."""

    importances: dict[str, float]
    trials: int = Field(description="Complete trials it is computed from")
    note: str | None = None
