"""A run's artifacts: uploads from its worker, and reads (confusion, per-class, feature maps, LR curve, checkpoint)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from trainboard.backend.deps import BrokerDep, SessionDep, SettingsDep, TokenDep
from trainboard.backend.errors import PayloadTooLargeError, error_responses
from trainboard.backend.params import CounterQuery, LeaseToken, RunId, WorkerIdQuery
from trainboard.backend.schemas import ArtifactsPublic, ArtifactStored
from trainboard.backend.services.artifacts import CHECKPOINT, artifact_file, list_artifacts, store_artifact

router = APIRouter(
    prefix="/api/runs", tags=["artifacts"], dependencies=[TokenDep], responses=error_responses(401, 404)
)


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, or 413 as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"upload of {declared} bytes is over the {limit}-byte limit")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"upload is over the {limit}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


@router.put(
    "/{run_id}/artifacts/{name}", response_model=ArtifactStored, responses=error_responses(409, 503, 507)
)
async def upload_artifact(
    request: Request,
    session: SessionDep,
    broker: BrokerDep,
    settings: SettingsDep,
    run_id: RunId,
    name: str,
    worker_id: WorkerIdQuery,
    epoch: CounterQuery = None,
    step: CounterQuery = None,
    lease_token: LeaseToken = None,
) -> ArtifactStored:
    """Store an artifact of a run held by `worker_id`: a JSON object, or raw bytes for `checkpoint`."""
    limit = settings.max_checkpoint_bytes if name == CHECKPOINT else settings.max_artifact_bytes
    body = await _read_body(request, limit)
    return await run_in_threadpool(
        store_artifact, session, broker, settings.artifact_dir, run_id, worker_id, lease_token, name, body, epoch, step
    )


@router.get("/{run_id}/artifacts", response_model=ArtifactsPublic)
def read_artifact_list(session: SessionDep, run_id: RunId) -> ArtifactsPublic:
    """What a run has stored."""
    return list_artifacts(session, run_id)


def _serve(session: SessionDep, settings: SettingsDep, run_id: int, name: str) -> FileResponse:
    found = artifact_file(session, settings.artifact_dir, run_id, name)
    disposition = "attachment" if name == CHECKPOINT else "inline"
    return FileResponse(
        found.path, media_type=found.media_type, filename=found.filename, content_disposition_type=disposition
    )


@router.get("/{run_id}/artifacts/{name}", response_class=FileResponse)
def read_artifact(session: SessionDep, settings: SettingsDep, run_id: RunId, name: str) -> FileResponse:
    """One artifact as stored (JSON, or the checkpoint file)."""
    return _serve(session, settings, run_id, name)


@router.get("/{run_id}/confusion", response_class=FileResponse)
def read_confusion(session: SessionDep, settings: SettingsDep, run_id: RunId) -> FileResponse:
    """Confusion matrix on the test set: {classes, matrix (rows true, columns predicted), split}."""
    return _serve(session, settings, run_id, "confusion")


@router.get("/{run_id}/per-class", response_class=FileResponse)
def read_per_class(session: SessionDep, settings: SettingsDep, run_id: RunId) -> FileResponse:
    """Test accuracy per class: {classes, accuracy, split}."""
    return _serve(session, settings, run_id, "per_class")


@router.get("/{run_id}/feature-maps", response_class=FileResponse)
def read_feature_maps(session: SessionDep, settings: SettingsDep, run_id: RunId) -> FileResponse:
    """Activations of the captured layers for one test image, from the latest epoch."""
    return _serve(session, settings, run_id, "feature_maps")


@router.get("/{run_id}/lr-curve", response_class=FileResponse)
def read_lr_curve(session: SessionDep, settings: SettingsDep, run_id: RunId) -> FileResponse:
    """An LR finder's curve, its suggestions and the recommended LR."""
    return _serve(session, settings, run_id, "lr_curve")


@router.get("/{run_id}/checkpoint", response_class=FileResponse)
def read_checkpoint(session: SessionDep, settings: SettingsDep, run_id: RunId) -> FileResponse:
    """The run's latest checkpoint file (what a resuming worker downloads)."""
    return _serve(session, settings, run_id, CHECKPOINT)
