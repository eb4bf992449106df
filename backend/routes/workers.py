"""The worker protocol (docs/protocol.md): register, claim, heartbeat, report events, finish; and the worker list."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from trainboard.backend.deps import BrokerDep, SessionDep, SettingsDep, TokenDep
from trainboard.backend.errors import error_responses
from trainboard.backend.params import RunId, WorkerId
from trainboard.backend.schemas import RunPublic, WorkersPublic
from trainboard.backend.services import dispatch
from trainboard.backend.services.ingest import ingest_batch
from trainboard.backend.worker_protocol import (
    ClaimAnswer,
    FinishRequest,
    HeartbeatAnswer,
    HeartbeatRequest,
    IngestRequest,
    IngestResult,
    WorkerRegister,
    WorkerRegistered,
)

router = APIRouter(prefix="/api", tags=["workers"], dependencies=[TokenDep], responses=error_responses(401))


@router.post("/workers/register", response_model=WorkerRegistered)
def register_worker(session: SessionDep, settings: SettingsDep, body: WorkerRegister) -> WorkerRegistered:
    """A worker introduces itself; the answer gives its id and the lease terms."""
    return dispatch.register_worker(session, body, settings.lease_s, settings.heartbeat_s)


@router.get("/workers", response_model=WorkersPublic)
def list_workers(session: SessionDep, settings: SettingsDep) -> WorkersPublic:
    """Registered workers, whether they are alive, and what they run."""
    return dispatch.list_workers(session, settings.lease_s)


@router.post(
    "/workers/{worker_id}/claim",
    response_model=ClaimAnswer,
    responses={204: {"description": "The queue is empty"}, **error_responses(404)},
)
def claim_run(
    session: SessionDep, broker: BrokerDep, settings: SettingsDep, worker_id: WorkerId
) -> ClaimAnswer | Response:
    """Take the oldest queued run; `resume` is set when it continues from a checkpoint."""
    claimed = dispatch.claim_run(session, broker, worker_id, settings.lease_s)
    if claimed is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return ClaimAnswer(run=claimed)


@router.post("/workers/{worker_id}/heartbeat", response_model=HeartbeatAnswer, responses=error_responses(404, 409))
def heartbeat(session: SessionDep, worker_id: WorkerId, body: HeartbeatRequest) -> HeartbeatAnswer:
    """Renew the lease on the held run; `cancel` says a user cancelled it; 409 when it is no longer held."""
    return dispatch.heartbeat(session, worker_id, body.run_id)


@router.post("/runs/{run_id}/ingest", response_model=IngestResult, responses=error_responses(404, 409))
def ingest(session: SessionDep, broker: BrokerDep, run_id: RunId, body: IngestRequest) -> IngestResult:
    """Store a batch of sequenced events; events already stored (seq <= last_seq) are counted as duplicates."""
    return ingest_batch(session, broker, run_id, body)


@router.post("/runs/{run_id}/finish", response_model=RunPublic, responses=error_responses(404, 409))
def finish(session: SessionDep, broker: BrokerDep, run_id: RunId, body: FinishRequest) -> RunPublic:
    """End the worker's execution of a run: succeeded, failed, cancelled, or requeue (hand it back)."""
    return RunPublic.model_validate(dispatch.finish_run(session, broker, run_id, body), from_attributes=True)
