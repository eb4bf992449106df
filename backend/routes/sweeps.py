"""Sweeps: create (Optuna searches a space over the worker pool), read with trials, importance, cancel, train the best."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from trainboard.backend.deps import BrokerDep, EngineDep, SessionDep, SettingsDep, TokenDep
from trainboard.backend.errors import error_responses
from trainboard.backend.field_types import MAX_DB_INT
from trainboard.backend.params import Offset, SweepId
from trainboard.backend.schemas import RunPublic
from trainboard.backend.sweeps import service
from trainboard.backend.sweeps.reconcile import reconcile_sweep
from trainboard.backend.sweeps.schemas import ImportancePublic, SweepCreate, SweepPublic, SweepsPublic

router = APIRouter(prefix="/api/sweeps", tags=["sweeps"], dependencies=[TokenDep], responses=error_responses(401))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SweepPublic)
def create_sweep(
    session: SessionDep, engine: EngineDep, broker: BrokerDep, settings: SettingsDep, body: SweepCreate
) -> SweepPublic:
    """Start a sweep: its first `parallel` trials are queued at once, the rest as trials end."""
    sweep = service.create_sweep(session, body, settings)
    reconcile_sweep(engine, broker, sweep.id, settings)
    return service.sweep_public(session, service.get_sweep(session, sweep.id))


@router.get("", response_model=SweepsPublic)
def list_sweeps(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
    run: Annotated[int | None, Query(ge=1, le=MAX_DB_INT, description="Only the sweep this run is a trial of")] = None,
) -> SweepsPublic:
    """Sweeps, newest first (each with its trials)."""
    sweeps, count = service.list_sweeps(session, limit, offset, run)
    return SweepsPublic(data=[service.sweep_public(session, s) for s in sweeps], count=count)


@router.get("/{sweep_id}", response_model=SweepPublic, responses=error_responses(404))
def read_sweep(session: SessionDep, sweep_id: SweepId) -> SweepPublic:
    """One sweep with its trials (params, the values they reported, how they ended) and the best so far."""
    return service.sweep_public(session, service.get_sweep(session, sweep_id))


@router.get("/{sweep_id}/importance", response_model=ImportancePublic, responses=error_responses(404))
def read_importance(session: SessionDep, settings: SettingsDep, sweep_id: SweepId) -> ImportancePublic:
    """How much each parameter matters to the metric, over the complete trials (Optuna's fANOVA)."""
    return service.importance(session, sweep_id, settings)


@router.post("/{sweep_id}/cancel", response_model=SweepPublic, responses=error_responses(404, 409))
def cancel_sweep(
    session: SessionDep, engine: EngineDep, broker: BrokerDep, settings: SettingsDep, sweep_id: SweepId
) -> SweepPublic:
    """Stop the sweep: no new trials; queued and running trials are cancelled."""
    service.cancel_sweep(session, broker, sweep_id)
    reconcile_sweep(engine, broker, sweep_id, settings)
    return service.sweep_public(session, service.get_sweep(session, sweep_id))


@router.post(
    "/{sweep_id}/train-best", status_code=status.HTTP_201_CREATED, response_model=RunPublic,
    responses=error_responses(404, 409),
)
def train_best(session: SessionDep, broker: BrokerDep, settings: SettingsDep, sweep_id: SweepId) -> RunPublic:
    """Queue a full run of the base config with the best trial's parameters."""
    run = service.train_best(session, broker, sweep_id, settings.lease_s)
    return RunPublic.model_validate(run, from_attributes=True)
