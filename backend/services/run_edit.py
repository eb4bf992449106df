"""Edit what a run is called and what it means: its name, tags and note (PATCH /api/runs/{id})."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlmodel import Session, col

from trainboard.backend.errors import run_not_found
from trainboard.backend.live.broker import EventBroker
from trainboard.backend.live.run_events import Outbox, announce_status, commit_and_publish
from trainboard.backend.schemas import RunUpdate
from trainboard.backend.services.runs import get_run
from trainboard.backend.tables import Run, RunTag


def update_run(session: Session, broker: EventBroker, run_id: int, changes: RunUpdate) -> Run:
    """Apply the fields `changes` sets and tell the run's page and the runs list (a `status` event)."""
    values = changes.model_dump(exclude_none=True)
    # An UPDATE first, as hold_run does: it takes the write lock (SQLite) or the row lock (PostgreSQL), so
    # the status event below cannot interleave with a worker's batch for the same run.
    result = session.exec(
        update(Run)
        .where(col(Run.id) == run_id)
        .values(**(values or {"note": Run.note}))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise run_not_found(run_id)
    if changes.tags is not None:
        session.exec(delete(RunTag).where(col(RunTag.run_id) == run_id).execution_options(synchronize_session=False))
        session.add_all(RunTag(run_id=run_id, tag=tag) for tag in changes.tags)
    run = get_run(session, run_id)
    outbox = Outbox()
    announce_status(session, run, outbox)
    commit_and_publish(session, broker, outbox)
    return run
