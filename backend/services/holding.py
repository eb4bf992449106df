"""The lease on a run: a secret token per claim, and the check that a request comes from the run's holder.

A claim returns a fresh random token to the claiming worker only; the run row keeps its SHA-256. Every
request a holder makes about the run (heartbeat, ingest, artifact upload, finish) carries the token in the
X-Lease-Token header. Worker ids are sequential and listed publicly, so the id alone proves nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from sqlalchemy import update
from sqlmodel import Session, col

from trainboard.backend.errors import ConflictError, run_not_found
from trainboard.backend.tables import RUNNING, Run, utcnow

LEASE_TOKEN_BYTES = 24  # 192 random bits, URL-safe base64 in the header


def lease_hash(token: str) -> str:
    """What the database keeps of a lease token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_lease_token() -> tuple[str, str]:
    """(token for the claimer, hash for the run row)."""
    token = secrets.token_urlsafe(LEASE_TOKEN_BYTES)
    return token, lease_hash(token)


def hold_run(
    session: Session, run_id: int, worker_id: int, lease_token: str | None, statuses: Sequence[str] = (RUNNING,)
) -> Run:
    """The run, if `worker_id` holds it with `lease_token` in one of `statuses`; else 404 (no such run) or 409.

    The first statement is an UPDATE: on SQLite it takes the database write lock, on PostgreSQL the row
    lock, so what follows in the transaction (reading last_seq, appending events) cannot interleave with
    another request for the same run. It also counts as a heartbeat.
    """
    result = session.exec(
        update(Run)
        .where(
            col(Run.id) == run_id,
            col(Run.worker_id) == worker_id,
            col(Run.lease_hash) == lease_hash(lease_token or ""),
            col(Run.status).in_(statuses),
        )
        .values(heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    run = session.get(Run, run_id, populate_existing=True)
    if result.rowcount == 1 and run is not None:
        return run
    session.rollback()
    if run is None:
        raise run_not_found(run_id)
    if run.worker_id == worker_id and run.status in statuses:
        raise ConflictError(f"worker {worker_id} does not hold run {run_id}: missing or wrong lease token")
    raise ConflictError(f"worker {worker_id} does not hold run {run_id} (it is {run.status})")
