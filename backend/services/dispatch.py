"""The worker side of the run lifecycle: register, claim, heartbeat, finish, and lease expiry."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from trainboard.backend.errors import ConflictError, NotFoundError
from trainboard.backend.live.broker import EventBroker
from trainboard.backend.live.run_events import Outbox, announce_status, append_event, append_log, commit_and_publish
from trainboard.backend.schemas import WorkerPublic, WorkersPublic
from trainboard.backend.services.artifacts import CHECKPOINT, find_artifact
from trainboard.backend.services.evaluations import drop_evaluations_after
from trainboard.backend.services.holding import hold_run, new_lease_token
from trainboard.backend.services.metrics import best_test_accuracy, drop_points_after
from trainboard.backend.services.offers import LiveWorker, as_live, lacks
from trainboard.backend.services.worker_load import latest_load
from trainboard.backend.settings import Settings
from trainboard.backend.tables import FAILED, QUEUED, RUNNING, STOPPED_BY_SERVER, Run, RunEvent, Worker, utcnow
from trainboard.backend.worker_protocol import (
    ClaimedRun,
    FinishRequest,
    HeartbeatAnswer,
    RequestLimits,
    ResumePoint,
    StartPoint,
    WorkerRegister,
    WorkerRegistered,
)
from trainboard.common.run_kinds import EXTERNAL, SCRIPT_HOLDER_DEVICE

log = logging.getLogger(__name__)

CLAIM_ATTEMPTS = 50  # candidates tried when other workers keep winning the race for the oldest queued run
QUEUE_PAGE = 200  # queued runs read at a time while looking for one this worker can run


def register_worker(session: Session, request: WorkerRegister, settings: Settings) -> WorkerRegistered:
    """Record a new worker and tell it the lease terms and what one request may hold."""
    worker = Worker(name=request.name, device=request.device, capabilities=request.capabilities)
    session.add(worker)
    session.commit()
    assert worker.id is not None
    limits = RequestLimits(
        max_request_bytes=settings.max_request_bytes,
        max_artifact_bytes=settings.max_artifact_bytes,
        max_checkpoint_bytes=settings.max_checkpoint_bytes,
    )
    return WorkerRegistered(
        id=worker.id, name=worker.name, lease_s=settings.lease_s, heartbeat_s=settings.heartbeat_s, limits=limits
    )


def _touch_worker(session: Session, worker_id: int) -> Worker:
    """Note that the worker is alive; 404 for an unknown worker."""
    result = session.exec(
        update(Worker)
        .where(col(Worker.id) == worker_id)
        .values(last_seen_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    worker = session.get(Worker, worker_id, populate_existing=True)
    if result.rowcount != 1 or worker is None:
        session.rollback()
        raise NotFoundError(f"worker {worker_id} not found")
    session.commit()
    return worker


def update_offer(session: Session, worker_id: int, capabilities: dict[str, Any]) -> None:
    """Replace what a worker offers (it re-reports when its datasets change); 404 for an unknown worker."""
    worker = _touch_worker(session, worker_id)
    worker.capabilities = capabilities
    session.add(worker)
    session.commit()
    log.info("worker %s now offers %d datasets", worker.name, len(capabilities.get("datasets") or []))


def list_workers(session: Session, lease_s: float) -> WorkersPublic:
    """Registered workers, most recently seen first, with the run each holds and its latest load."""
    listed = select(Worker).where(col(Worker.device) != SCRIPT_HOLDER_DEVICE)  # a script's holder is no worker
    workers = session.exec(listed.order_by(col(Worker.last_seen_at).desc(), col(Worker.id).desc())).all()
    held = dict(session.exec(select(Run.worker_id, Run.id).where(Run.status == RUNNING)).all())
    alive_after = utcnow() - timedelta(seconds=lease_s)
    data = [
        WorkerPublic(**w.model_dump(), alive=w.last_seen_at >= alive_after, run_id=held.get(w.id),
                     load=latest_load(session, held[w.id]) if w.id in held else {})
        for w in workers
    ]
    return WorkersPublic(data=data, count=len(data))


def _next_runnable_id(session: Session, worker: LiveWorker) -> int | None:
    """The oldest queued run this worker can run (its model, dataset, device kind and tags), or None."""
    after = 0
    while True:
        page = session.exec(
            select(Run.id, Run.config)
            .where(Run.status == QUEUED, col(Run.id) > after)
            .order_by(col(Run.id))
            .limit(QUEUE_PAGE)
        ).all()
        for run_id, config in page:
            if lacks(worker, config) is None:
                return run_id
        if len(page) < QUEUE_PAGE:
            return None
        after = page[-1][0]


def _take(session: Session, run_id: int, worker: Worker, token_hash: str) -> bool:
    """Atomically move one queued run to this worker: the UPDATE only matches while the run is still queued."""
    now = utcnow()
    result = session.exec(
        update(Run)
        .where(col(Run.id) == run_id, col(Run.status) == QUEUED)
        .values(
            status=RUNNING,
            worker_id=worker.id,
            worker_name=worker.name,
            device=worker.device,
            heartbeat_at=now,
            lease_hash=token_hash,
            attempt=Run.attempt + 1,
            started_at=func.coalesce(Run.started_at, now),
            finished_at=None,
            error=None,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _rewind(session: Session, run: Run, outbox: Outbox) -> ResumePoint | None:
    """A run claimed again: drop what came after its last checkpoint (or everything) and say so."""
    assert run.id is not None
    checkpoint = find_artifact(session, run.id, CHECKPOINT)
    resume = ResumePoint(epoch=checkpoint.epoch or 0, step=checkpoint.step or 0) if checkpoint else None
    epoch, step = (resume.epoch, resume.step) if resume else (0, 0)
    dropped = drop_points_after(session, run.id, epoch, step)
    drop_evaluations_after(session, run.id, epoch)
    run.best_test_acc = best_test_accuracy(session, run.id)
    run.summary = None
    if resume is None:
        run.progress = None
    where = f"its checkpoint after epoch {epoch} (step {step})" if resume else "the start (no checkpoint)"
    append_log(session, run, "info", f"attempt {run.attempt}: resuming from {where}; dropped {dropped} points", outbox)
    append_event(session, run, "rewind", {"epoch": epoch, "step": step}, outbox)
    return resume


def _start_point(session: Session, run: Run) -> StartPoint | None:
    """A continued run starts from its parent's checkpoint (where it was when the child was created)."""
    if run.parent_id is None:
        return None
    checkpoint = find_artifact(session, run.parent_id, CHECKPOINT)
    epoch, step = (checkpoint.epoch or 0, checkpoint.step or 0) if checkpoint else (0, 0)
    return StartPoint(run_id=run.parent_id, epoch=epoch, step=step)


def claim_run(
    session: Session, broker: EventBroker, worker_id: int, lease_s: float, max_attempts: int
) -> ClaimedRun | None:
    """Give the oldest queued run this worker can run to it, or None when there is none. Never one run to two.

    The answer carries the run's new lease token; only this answer ever holds it.
    """
    worker = _touch_worker(session, worker_id)
    requeue_expired_runs(session, broker, lease_s, max_attempts)
    token, token_hash = new_lease_token()
    offer = as_live(worker)
    for _ in range(CLAIM_ATTEMPTS):
        # The conditional UPDATE in _take decides races: of two claimers of one run, one matches no row.
        run_id = _next_runnable_id(session, offer)
        if run_id is None:
            session.rollback()
            return None
        if _take(session, run_id, worker, token_hash):
            break
        session.rollback()  # another worker took it first; try the next one
    else:
        return None
    run = session.get(Run, run_id, populate_existing=True)
    assert run is not None and run.id is not None
    outbox = Outbox()
    resume = _rewind(session, run, outbox) if run.attempt > 1 else None
    start_from = _start_point(session, run) if resume is None else None
    announce_status(session, run, outbox)
    commit_and_publish(session, broker, outbox)
    log.info("run %d claimed by worker %s (attempt %d)", run.id, worker.name, run.attempt)
    return ClaimedRun(
        id=run.id, kind=run.kind, config=run.config, attempt=run.attempt, next_seq=run.last_seq + 1, resume=resume,
        start_from=start_from, lease_token=token,
    )


def heartbeat(session: Session, worker_id: int, run_id: int | None, lease_token: str | None) -> HeartbeatAnswer:
    """Renew the worker's lease on run_id; cancel=True once a user cancelled it; 409 if it no longer holds it."""
    _touch_worker(session, worker_id)
    if run_id is None:
        return HeartbeatAnswer(cancel=False)
    try:
        run = hold_run(session, run_id, worker_id, lease_token, statuses=(RUNNING, *STOPPED_BY_SERVER))
    except NotFoundError:
        raise ConflictError(f"worker {worker_id} does not hold run {run_id} (it was deleted)") from None
    session.commit()
    return HeartbeatAnswer(cancel=run.status in STOPPED_BY_SERVER)


def _last_log_message(session: Session, run_id: int) -> str | None:
    query = select(RunEvent).where(RunEvent.run_id == run_id, RunEvent.event == "log").order_by(col(RunEvent.id).desc())
    row = session.exec(query.limit(1)).first()
    return row.data.get("message") if row else None


def finish_run(
    session: Session, broker: EventBroker, run_id: int, request: FinishRequest, lease_token: str | None
) -> Run:
    """Record how the worker's execution ended; `requeue` hands the run back with its history."""
    run = hold_run(session, run_id, request.worker_id, lease_token, statuses=(RUNNING, *STOPPED_BY_SERVER))
    outbox = Outbox()
    if (
        request.log
        and request.log.strip()
        and request.log.strip() != (_last_log_message(session, run_id) or "").strip()
    ):
        append_log(session, run, "error" if request.status == "failed" else "info", request.log, outbox)
    run.lease_hash = None  # the execution is over; the token opens nothing any more
    if run.status in STOPPED_BY_SERVER:  # cancelled by a user or pruned while it ran; already announced
        commit_and_publish(session, broker, outbox)
        return run
    if request.status == "requeue":
        run.status, run.worker_id, run.worker_name, run.heartbeat_at = QUEUED, None, None, None
        append_log(session, run, "info", "handed back by its worker; back in the queue", outbox)
        announce_status(session, run, outbox)
    else:
        run.status, run.finished_at, run.error = request.status, utcnow(), request.error
        announce_status(session, run, outbox)
        append_event(session, run, "end", {"status": run.status}, outbox)
    commit_and_publish(session, broker, outbox)
    return run


def requeue_expired_runs(session: Session, broker: EventBroker, lease_s: float, max_attempts: int) -> list[int]:
    """Put running runs whose worker has been silent for lease_s back in the queue, history kept.

    A run already claimed `max_attempts` times fails instead ("gave up after N attempts: ..."): a run that
    kills every worker it lands on must not bounce between them for ever.
    """
    cutoff = utcnow() - timedelta(seconds=lease_s)
    # A script's run (kind external) is not requeued: nobody else can run it (services/crashes.py ends it).
    expired = (col(Run.status) == RUNNING) & (col(Run.heartbeat_at) < cutoff) & (col(Run.kind) != EXTERNAL)
    candidates = session.exec(select(Run.id, Run.attempt, Run.worker_name).where(expired)).all()
    requeued: list[int] = []
    for run_id, attempt, worker_name in candidates:
        outbox = Outbox()
        reason = f"no heartbeat from worker {worker_name} for {lease_s:g} s"
        give_up = attempt >= max_attempts
        values = (
            {"status": FAILED, "finished_at": utcnow(), "error": f"gave up after {attempt} attempts: {reason}"}
            if give_up else {"status": QUEUED, "worker_id": None, "worker_name": None, "heartbeat_at": None}
        )
        result = session.exec(
            update(Run)
            .where(col(Run.id) == run_id, expired)
            .values(lease_hash=None, **values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # it heartbeated or finished meanwhile
            session.rollback()
            continue
        run = session.get(Run, run_id, populate_existing=True)
        assert run is not None
        if give_up:
            append_log(session, run, "error", run.error or reason, outbox)
            announce_status(session, run, outbox)
            append_event(session, run, "end", {"status": run.status}, outbox)
            log.warning("run %d: %s", run_id, run.error)
        else:
            append_log(session, run, "warning", f"{reason}; back in the queue", outbox)
            announce_status(session, run, outbox)
            log.warning("run %d: lease expired; requeued", run_id)
        commit_and_publish(session, broker, outbox)
        requeued.append(run_id)
    return requeued
