"""A run's metric series, as JSON (optionally downsampled) or CSV."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from trainboard.backend.deps import SessionDep, TokenDep
from trainboard.backend.errors import error_responses
from trainboard.backend.field_types import MAX_DB_INT
from trainboard.backend.params import RunId
from trainboard.backend.schemas import MetricsPublic
from trainboard.backend.services.metrics import metrics_csv, read_metrics

router = APIRouter(prefix="/api/runs", tags=["metrics"], dependencies=[TokenDep], responses=error_responses(401, 404))


@router.get(
    "/{run_id}/metrics",
    response_model=MetricsPublic,
    responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}},
)
def read_run_metrics(
    session: SessionDep,
    run_id: RunId,
    names: Annotated[str | None, Query(description="Comma-separated series names; default all")] = None,
    since: Annotated[
        int | None,
        Query(ge=-MAX_DB_INT, le=MAX_DB_INT, description="Only points with x (step or epoch) greater than this"),
    ] = None,
    max_points: Annotated[int | None, Query(ge=2, le=1_000_000, description="Per series; keeps spikes")] = None,
    format: Literal["json", "csv"] = "json",
) -> MetricsPublic | Response:
    """Series of a run and the event id they are complete up to (subscribe to the run's events from there)."""
    wanted = list(dict.fromkeys(n.strip() for n in names.split(",") if n.strip())) if names else None  # once each
    metrics = read_metrics(session, run_id, wanted, since, max_points)
    if format == "csv":
        headers = {"Content-Disposition": f'attachment; filename="run-{run_id}-metrics.csv"'}
        return Response(metrics_csv(metrics), media_type="text/csv", headers=headers)
    return metrics
