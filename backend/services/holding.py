"""Check that a worker holds a run, taking the run's write lock and renewing its lease in the same statement."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlmodel import Session, col

from trainboard.backend.errors import ConflictError, run_not_found
from trainboard.backend.tables import RUNNING, Run, utcnow


def hold_run(session: Session, run_id: int, worker_id: int, statuses: Sequence[str] = (RUNNING,)) -> Run:
    """The run, if `worker_id` holds it in one of `statuses`; else 404 (no such run) or 409.

    The first statement is an UPDATE: on SQLite it takes the database write lock, on PostgreSQL the row
    lock, so what follows in the transaction (reading last_seq, appending events) cannot interleave with
    another request for the same run. It also counts as a heartbeat.
    """
    result = session.exec(
        update(Run)
        .where(col(Run.id) == run_id, col(Run.worker_id) == worker_id, col(Run.status).in_(statuses))
        .values(heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    run = session.get(Run, run_id, populate_existing=True)
    if result.rowcount == 1 and run is not None:
        return run
    session.rollback()
    if run is None:
        raise run_not_found(run_id)
    raise ConflictError(f"worker {worker_id} does not hold run {run_id} (it is {run.status})")
