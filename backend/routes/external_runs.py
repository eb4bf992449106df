"""Runs started by a user's own script through the SDK (`trainboard.init`): kind `external`."""

from __future__ import annotations

from fastapi import APIRouter, status

from trainboard.backend.deps import BrokerDep, SessionDep, SettingsDep, TokenDep
from trainboard.backend.errors import error_responses
from trainboard.backend.sdk_protocol import ExternalRunCreate, ExternalRunStarted
from trainboard.backend.services.external_runs import start_external_run

router = APIRouter(prefix="/api/runs", tags=["sdk"], dependencies=[TokenDep], responses=error_responses(401))


@router.post("/external", status_code=status.HTTP_201_CREATED, response_model=ExternalRunStarted)
def create_external_run(
    session: SessionDep, broker: BrokerDep, settings: SettingsDep, body: ExternalRunCreate
) -> ExternalRunStarted:
    """Start a running run held by the calling script; it reports with the worker protocol and the lease token."""
    return start_external_run(session, broker, body, settings)
