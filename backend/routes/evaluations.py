"""A run's kept test evaluations: the listing, one evaluation's payload, and its mistakes gallery."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from trainboard.backend.deps import SessionDep, SettingsDep, TokenDep
from trainboard.backend.errors import error_responses
from trainboard.backend.params import EvaluationEpoch, RunId
from trainboard.backend.schemas import EvaluationsPublic
from trainboard.backend.services.evaluations import EVALUATION, MISTAKES, evaluation_file, list_evaluations

router = APIRouter(
    prefix="/api/runs", tags=["evaluations"], dependencies=[TokenDep], responses=error_responses(401, 404)
)


@router.get("/{run_id}/evaluations", response_model=EvaluationsPublic)
def read_evaluations(session: SessionDep, run_id: RunId) -> EvaluationsPublic:
    """Every kept evaluation of the run, oldest first: epoch, step, overall and per-class accuracy, bytes stored."""
    return list_evaluations(session, run_id)


def _serve(session: SessionDep, settings: SettingsDep, run_id: int, name: str, epoch: int | None) -> FileResponse:
    found = evaluation_file(session, settings.artifact_dir, run_id, name, epoch)
    return FileResponse(found.path, media_type=found.media_type, filename=found.filename, content_disposition_type="inline")


@router.get("/{run_id}/evaluation", response_class=FileResponse)
def read_evaluation(session: SessionDep, settings: SettingsDep, run_id: RunId, epoch: EvaluationEpoch = None) -> FileResponse:
    """One evaluation (the latest unless ?epoch=): {epoch, step, classes, matrix, per_class, accuracy, feature_maps}."""
    return _serve(session, settings, run_id, EVALUATION, epoch)


@router.get("/{run_id}/mistakes", response_class=FileResponse)
def read_mistakes(session: SessionDep, settings: SettingsDep, run_id: RunId, epoch: EvaluationEpoch = None) -> FileResponse:
    """One evaluation's misclassified test images per (true, predicted) cell, with top-3 predictions and maps."""
    return _serve(session, settings, run_id, MISTAKES, epoch)
