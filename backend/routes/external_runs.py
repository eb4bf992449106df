"""Runs of users' own scripts: started by the script through the SDK (`trainboard.init`, kind `external`), or
launched here and run by a worker started with --scripts (kind `script`)."""

from __future__ import annotations

from fastapi import APIRouter, status

from trainboard.backend.deps import BrokerDep, SessionDep, SettingsDep, TokenDep
from trainboard.backend.errors import error_responses
from trainboard.backend.schemas import RunPublic
from trainboard.backend.sdk_protocol import ExternalRunCreate, ExternalRunStarted, ScriptRunCreate
from trainboard.backend.services import script_runs
from trainboard.backend.services.external_runs import start_external_run

router = APIRouter(prefix="/api/runs", tags=["sdk"], dependencies=[TokenDep], responses=error_responses(401))


@router.post("/external", status_code=status.HTTP_201_CREATED, response_model=ExternalRunStarted)
def create_external_run(
    session: SessionDep, broker: BrokerDep, settings: SettingsDep, body: ExternalRunCreate
) -> ExternalRunStarted:
    """Start a running run held by the calling script; it reports with the worker protocol and the lease token."""
    return start_external_run(session, broker, body, settings)


@router.post("/script", status_code=status.HTTP_201_CREATED, response_model=RunPublic)
def create_script_run(session: SessionDep, broker: BrokerDep, settings: SettingsDep, body: ScriptRunCreate) -> RunPublic:
    """Queue a user's command (`python train.py --lr {lr}`, fields from config) for a worker that runs scripts
    from its folder; 422 naming `cwd` when no live worker does."""
    run = script_runs.create_script_run(session, broker, body, settings.lease_s)
    return RunPublic.model_validate(run, from_attributes=True)
