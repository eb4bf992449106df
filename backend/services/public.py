"""Table rows to the API's public shapes."""

from __future__ import annotations

from typing import Any

from backend.schemas import ProgressPublic, RunPublic, WorkerPublic
from backend.tables import Run, Worker


def run_public(run: Run) -> RunPublic:
    """The public fields of a run."""
    assert run.id is not None
    return RunPublic(
        id=run.id,
        name=run.name,
        kind=run.kind,
        status=run.status,
        config=run.config,
        preset=run.preset,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        worker=run.worker_name,
        device=run.device,
        progress=ProgressPublic(**run.progress) if run.progress else None,
        summary=run.summary,
        info=run.info,
        error=run.error,
        attempt=run.attempt,
        best_test_acc=run.best_test_acc,
        last_event_id=run.last_event_id,
    )


def run_public_json(run: Run) -> dict[str, Any]:
    """The public fields of a run as JSON-ready data (for event payloads)."""
    return run_public(run).model_dump(mode="json")


def worker_public(worker: Worker, run_id: int | None, alive: bool) -> WorkerPublic:
    """The public fields of a worker, with the run it holds and whether it is alive."""
    assert worker.id is not None
    return WorkerPublic(
        id=worker.id,
        name=worker.name,
        device=worker.device,
        capabilities=worker.capabilities,
        registered_at=worker.registered_at,
        last_seen_at=worker.last_seen_at,
        alive=alive,
        run_id=run_id,
    )
