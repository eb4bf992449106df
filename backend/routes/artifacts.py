"""A run's artifacts: uploads from its worker, and reads (confusion, per-class, feature maps, LR curve, checkpoint)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response

from trainboard.backend.deps import BrokerDep, SessionDep, SettingsDep, TokenDep
from trainboard.backend.errors import PayloadTooLargeError, error_responses
from trainboard.backend.params import CounterQuery, EvaluationEpoch, LeaseToken, RunId, WorkerIdQuery
from trainboard.backend.schemas import ArtifactsPublic, ArtifactStored
from trainboard.backend.services.artifacts import (
    CHECKPOINT,
    EVALUATION_ARTIFACTS,
    Upload,
    artifact_file,
    list_artifacts,
    store_artifact,
)
from trainboard.backend.services.evaluations import evaluation_part, has_evaluations, store_evaluation_file

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
    """Store an artifact of a run held by `worker_id`: a JSON object, or raw bytes for `checkpoint`.

    `evaluation` and `mistakes` are kept once per epoch (from ?epoch= or the body's "epoch"), never replaced.
    """
    limit = settings.max_checkpoint_bytes if name == CHECKPOINT else settings.max_artifact_bytes
    body = await _read_body(request, limit)
    store = store_evaluation_file if name in EVALUATION_ARTIFACTS else store_artifact
    upload = Upload(run_id, worker_id, lease_token, name, body, epoch, step)
    return await run_in_threadpool(store, session, broker, settings.artifact_dir, upload)


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


def _serve_part(
    session: SessionDep, settings: SettingsDep, run_id: int, name: str, epoch: int | None
) -> Response:
    """One view of a kept evaluation (the latest unless `epoch`), or, for a run from before, its single artifact."""
    if epoch is not None or has_evaluations(session, run_id):
        return JSONResponse(evaluation_part(session, settings.artifact_dir, run_id, name, epoch))
    return _serve(session, settings, run_id, name)


@router.get("/{run_id}/confusion", response_class=JSONResponse, response_model=None)
def read_confusion(
    session: SessionDep, settings: SettingsDep, run_id: RunId, epoch: EvaluationEpoch = None
) -> Response:
    """Confusion matrix on the test set at an evaluation: {classes, matrix (rows true, columns predicted), split, epoch, step}."""
    return _serve_part(session, settings, run_id, "confusion", epoch)


@router.get("/{run_id}/per-class", response_class=JSONResponse, response_model=None)
def read_per_class(
    session: SessionDep, settings: SettingsDep, run_id: RunId, epoch: EvaluationEpoch = None
) -> Response:
    """Test accuracy per class at an evaluation: {classes, accuracy, split, epoch, step}."""
    return _serve_part(session, settings, run_id, "per_class", epoch)


@router.get("/{run_id}/feature-maps", response_class=JSONResponse, response_model=None)
def read_feature_maps(
    session: SessionDep, settings: SettingsDep, run_id: RunId, epoch: EvaluationEpoch = None
) -> Response:
    """Activations of the captured layers for one test image at an evaluation (uint8 blocks; floats for older runs)."""
    return _serve_part(session, settings, run_id, "feature_maps", epoch)


@router.get("/{run_id}/lr-curve", response_class=FileResponse)
def read_lr_curve(session: SessionDep, settings: SettingsDep, run_id: RunId) -> FileResponse:
    """An LR finder's curve, its suggestions and the recommended LR."""
    return _serve(session, settings, run_id, "lr_curve")


@router.get("/{run_id}/checkpoint", response_class=FileResponse)
def read_checkpoint(session: SessionDep, settings: SettingsDep, run_id: RunId) -> FileResponse:
    """The run's latest checkpoint file (what a resuming worker downloads)."""
    return _serve(session, settings, run_id, CHECKPOINT)
