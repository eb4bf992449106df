"""The worker protocol (docs/protocol.md): register, claim, heartbeat, report events, finish; and the worker list."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from trainboard.backend.deps import BrokerDep, EngineDep, SessionDep, SettingsDep, TokenDep
from trainboard.backend.errors import error_responses
from trainboard.backend.params import ClaimWait, LeaseToken, RunId, WorkerId
from trainboard.backend.schemas import RunPublic, WorkersPublic
from trainboard.backend.services import dispatch
from trainboard.backend.services.ingest import ingest_batch
from trainboard.backend.services.long_poll import claim_when_queued
from trainboard.backend.sweeps.reconcile import reconcile_trial_of, reports_an_evaluation
from trainboard.backend.worker_protocol import (
    ClaimAnswer,
    FinishRequest,
    HeartbeatAnswer,
    HeartbeatRequest,
    IngestRequest,
    IngestResult,
    WorkerOffer,
    WorkerRegister,
    WorkerRegistered,
)

router = APIRouter(prefix="/api", tags=["workers"], dependencies=[TokenDep], responses=error_responses(401))


@router.post("/workers/register", response_model=WorkerRegistered)
def register_worker(session: SessionDep, settings: SettingsDep, body: WorkerRegister) -> WorkerRegistered:
    """A worker introduces itself; the answer gives its id, the lease terms and the request limits."""
    return dispatch.register_worker(session, body, settings)


@router.put(
    "/workers/{worker_id}/offer", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(404),
    response_class=Response,
)
def update_offer(session: SessionDep, worker_id: WorkerId, body: WorkerOffer) -> Response:
    """A worker says what it offers now (datasets that appeared on its disk, or went away)."""
    dispatch.update_offer(session, worker_id, body.capabilities)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/workers", response_model=WorkersPublic)
def list_workers(session: SessionDep, settings: SettingsDep) -> WorkersPublic:
    """Registered workers, whether they are alive, and what they run."""
    return dispatch.list_workers(session, settings.lease_s)


@router.post(
    "/workers/{worker_id}/claim",
    response_model=ClaimAnswer,
    responses={204: {"description": "No queued run (within wait_s)"}, **error_responses(404)},
)
async def claim_run(
    engine: EngineDep, broker: BrokerDep, settings: SettingsDep, worker_id: WorkerId, wait_s: ClaimWait = 0
) -> ClaimAnswer | Response:
    """Take the oldest queued run, waiting up to wait_s for one; `resume` is set when it continues a checkpoint."""
    claimed = await claim_when_queued(engine, broker, settings, worker_id, wait_s)
    if claimed is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return ClaimAnswer(run=claimed)


@router.post("/workers/{worker_id}/heartbeat", response_model=HeartbeatAnswer, responses=error_responses(404, 409))
def heartbeat(
    session: SessionDep, worker_id: WorkerId, body: HeartbeatRequest, lease_token: LeaseToken = None
) -> HeartbeatAnswer:
    """Renew the lease on the held run; `cancel` says a user cancelled it; 409 when it is no longer held."""
    return dispatch.heartbeat(session, worker_id, body.run_id, lease_token)


@router.post("/runs/{run_id}/ingest", response_model=IngestResult, responses=error_responses(404, 409))
def ingest(
    session: SessionDep,
    engine: EngineDep,
    broker: BrokerDep,
    settings: SettingsDep,
    run_id: RunId,
    body: IngestRequest,
    lease_token: LeaseToken = None,
) -> IngestResult:
    """Store a batch of sequenced events: re-sent ones (seq <= last_seq) count as duplicates, a gap is a 409."""
    result = ingest_batch(session, broker, run_id, body, lease_token)
    if result.accepted and reports_an_evaluation(body):
        reconcile_trial_of(engine, broker, run_id, settings)  # a sweep's pruner decides on it at once
    return result


@router.post("/runs/{run_id}/finish", response_model=RunPublic, responses=error_responses(404, 409))
def finish(
    session: SessionDep, broker: BrokerDep, run_id: RunId, body: FinishRequest, lease_token: LeaseToken = None
) -> RunPublic:
    """End the worker's execution of a run: succeeded, failed, cancelled, or requeue (hand it back)."""
    run = dispatch.finish_run(session, broker, run_id, body, lease_token)
    return RunPublic.model_validate(run, from_attributes=True)
