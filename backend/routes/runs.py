"""Runs: create, list (search, sort, export), read, edit, cancel, clone, delete, and a run's log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response, status

from trainboard.backend.deps import BrokerDep, SessionDep, SettingsDep, TokenDep
from trainboard.backend.errors import error_responses
from trainboard.backend.params import Offset, RunId
from trainboard.backend.schemas import (
    RUN_CLONE_EXAMPLES,
    RUN_CONTINUE_EXAMPLES,
    RUN_CREATE_EXAMPLES,
    LogsPublic,
    RunFilters,
    RunPublic,
    RunsPublic,
    RunUpdate,
    run_create_schema,
)
from trainboard.backend.services import runs as run_service
from trainboard.backend.services.continuation import continue_run
from trainboard.backend.services.logs import list_logs
from trainboard.backend.services.run_edit import update_run
from trainboard.backend.services.run_export import export_runs, runs_csv, runs_json
from trainboard.backend.services.run_search import search_runs
from trainboard.backend.services.waiting import with_waiting

router = APIRouter(prefix="/api/runs", tags=["runs"], dependencies=[TokenDep], responses=error_responses(401))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RunPublic,
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": run_create_schema()}}}},
)
def create_run(
    session: SessionDep,
    broker: BrokerDep,
    settings: SettingsDep,
    body: Annotated[dict[str, Any], Body(openapi_examples=RUN_CREATE_EXAMPLES)],
) -> RunPublic:
    """Queue a run. The body is flat: an optional `preset` plus config fields, which override the preset.

    `model` and `dataset` name a built-in or what a live worker offers (GET /api/models, /api/datasets).
    """
    run = run_service.create_run(session, broker, body, settings.lease_s)
    return with_waiting(session, settings.lease_s, [RunPublic.model_validate(run, from_attributes=True)])[0]


@router.get("", response_model=RunsPublic)
def list_runs(
    session: SessionDep,
    settings: SettingsDep,
    filters: Annotated[RunFilters, Query()],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> RunsPublic:
    """Runs matching the filters (all given must hold), newest first unless `sort` says otherwise."""
    runs, count = search_runs(session, filters, limit, offset)
    data = [RunPublic.model_validate(r, from_attributes=True) for r in runs]
    return RunsPublic(data=with_waiting(session, settings.lease_s, data), count=count)


@router.get(
    "/export",
    response_model=RunsPublic,
    responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}},
)
def export_run_list(
    session: SessionDep, filters: Annotated[RunFilters, Query()], format: Literal["json", "csv"] = "json"
) -> Response:
    """Every run the filters select, in their order, as a file: CSV with a header row, or JSON."""
    runs = export_runs(session, filters)
    if format == "csv":
        headers = {"Content-Disposition": 'attachment; filename="runs.csv"'}
        return Response(runs_csv(runs), media_type="text/csv", headers=headers)
    headers = {"Content-Disposition": 'attachment; filename="runs.json"'}
    return Response(runs_json(runs).model_dump_json(), media_type="application/json", headers=headers)


@router.get("/{run_id}", response_model=RunPublic, responses=error_responses(404))
def read_run(session: SessionDep, settings: SettingsDep, run_id: RunId) -> RunPublic:
    """One run; a queued one that no live worker can take says why in `waiting`."""
    run = RunPublic.model_validate(run_service.get_run(session, run_id), from_attributes=True)
    return with_waiting(session, settings.lease_s, [run])[0]


@router.patch("/{run_id}", response_model=RunPublic, responses=error_responses(404))
def edit_run(session: SessionDep, broker: BrokerDep, settings: SettingsDep, run_id: RunId, changes: RunUpdate) -> RunPublic:
    """Change a run's name, tags (replaced as a whole; stored sorted, each once) or markdown note."""
    run = RunPublic.model_validate(update_run(session, broker, run_id, changes), from_attributes=True)
    return with_waiting(session, settings.lease_s, [run])[0]


@router.post("/{run_id}/cancel", response_model=RunPublic, responses=error_responses(404, 409))
def cancel_run(session: SessionDep, broker: BrokerDep, run_id: RunId) -> RunPublic:
    """Cancel a queued or running run (its worker stops at its next heartbeat)."""
    return RunPublic.model_validate(run_service.cancel_run(session, broker, run_id), from_attributes=True)


@router.post(
    "/{run_id}/clone", status_code=status.HTTP_201_CREATED, response_model=RunPublic, responses=error_responses(404, 409)
)
def clone_run(
    session: SessionDep,
    broker: BrokerDep,
    settings: SettingsDep,
    run_id: RunId,
    overrides: Annotated[dict[str, Any] | None, Body(openapi_examples=RUN_CLONE_EXAMPLES)] = None,
) -> RunPublic:
    """Queue a copy of a run's config with optional field overrides (e.g. the LR an LR finder suggested)."""
    run = run_service.clone_run(session, broker, run_id, overrides or {}, settings.lease_s)
    return with_waiting(session, settings.lease_s, [RunPublic.model_validate(run, from_attributes=True)])[0]


@router.post(
    "/{run_id}/continue",
    status_code=status.HTTP_201_CREATED,
    response_model=RunPublic,
    responses=error_responses(404, 409),
)
def continue_from_checkpoint(
    session: SessionDep,
    broker: BrokerDep,
    settings: SettingsDep,
    run_id: RunId,
    changes: Annotated[dict[str, Any] | None, Body(openapi_examples=RUN_CONTINUE_EXAMPLES)] = None,
) -> RunPublic:
    """Queue a run that starts from this ended run's last checkpoint (weights, optimizer state, step).

    The body holds the fields to change; `epochs` counts from the parent's start. model, model_args, dataset,
    image_size, batch_size, train_limit and optimizer cannot change (422).
    """
    run = continue_run(session, broker, run_id, changes or {}, settings.lease_s)
    return with_waiting(session, settings.lease_s, [RunPublic.model_validate(run, from_attributes=True)])[0]


@router.delete("/{run_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(404))
def delete_run(session: SessionDep, broker: BrokerDep, settings: SettingsDep, run_id: RunId) -> Response:
    """Delete a run, its metrics, events and artifact files; a running run is cancelled first."""
    run_service.delete_run(session, broker, settings.artifact_dir, run_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{run_id}/logs", response_model=LogsPublic, responses=error_responses(404))
def read_logs(
    session: SessionDep,
    run_id: RunId,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1_000,
    offset: Offset = 0,
) -> LogsPublic:
    """A run's log lines, oldest first."""
    run_service.get_run(session, run_id)
    return list_logs(session, run_id, limit, offset)
