"""What users do to runs: create, read, cancel, clone, delete (finding them: run_search.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col

from trainboard.backend.errors import ConflictError, run_not_found
from trainboard.backend.live.broker import RUNS_CHANNEL, EventBroker, LiveEvent, run_channel
from trainboard.backend.live.run_events import Outbox, announce_status, append_event, append_log, commit_and_publish
from trainboard.backend.services.artifacts import remove_run_files
from trainboard.backend.services.offers import live_workers
from trainboard.backend.services.runnable import require_runnable
from trainboard.backend.services.validation import default_run_name, validate_clone, validate_run_body
from trainboard.backend.tables import ACTIVE_STATUSES, CANCELLED, Run, utcnow
from trainboard.common.run_kinds import EXTERNAL, SCRIPT
from trainboard.trainer.config import TrainConfig


def get_run(session: Session, run_id: int) -> Run:
    """The run with this id, or a 404."""
    run = session.get(Run, run_id, populate_existing=True)
    if run is None:
        raise run_not_found(run_id)
    return run


def add_run(
    session: Session,
    config: TrainConfig,
    preset: str | None,
    outbox: Outbox,
    *,
    name: str | None = None,
    group_id: int | None = None,
    starts_group: bool = False,
    parent_id: int | None = None,
) -> Run:
    """Add a queued run for a validated config to the session (not committed) and announce it into `outbox`.

    `starts_group`: the run is the first of a seed group, whose id is the run's own.
    """
    run = Run(
        name=name or default_run_name(config, preset),
        kind=config.kind,
        config=config.model_dump(mode="json"),
        preset=preset,
        model=config.model,
        dataset=config.dataset,
        group_id=group_id,
        parent_id=parent_id,
    )
    session.add(run)
    session.flush()
    if starts_group:
        run.group_id = run.id
    announce_status(session, run, outbox, list_event="created")
    return run


def runnable_config(session: Session, config: TrainConfig, lease_s: float) -> TrainConfig:
    """`config` with every model option filled in; 422 when it names what no live worker offers."""
    model_args = require_runnable(config, live_workers(session, lease_s))
    return config.model_copy(update={"model_args": model_args})


def _insert_run(
    session: Session, broker: EventBroker, config: TrainConfig, preset: str | None, lease_s: float
) -> Run:
    outbox = Outbox()
    run = add_run(session, runnable_config(session, config, lease_s), preset, outbox)
    commit_and_publish(session, broker, outbox)
    return run


def create_run(session: Session, broker: EventBroker, body: dict[str, Any], lease_s: float) -> Run:
    """Validate a flat body (optional preset + config fields) and queue a run; nothing is stored on error."""
    config, preset = validate_run_body(body)
    return _insert_run(session, broker, config, preset, lease_s)


def clone_run(
    session: Session, broker: EventBroker, run_id: int, overrides: dict[str, Any], lease_s: float
) -> Run:
    """Queue a new run with the config of `run_id` plus `overrides`."""
    source = get_run(session, run_id)
    if source.kind in (EXTERNAL, SCRIPT):
        raise ConflictError(f"run {run_id} was made by a script (kind {source.kind}): run the script again instead")
    config = validate_clone(source.config, overrides)
    return _insert_run(session, broker, config, source.preset, lease_s)


def _cancel_in_transaction(session: Session, run_id: int, outbox: Outbox) -> Run | None:
    """Mark an active run cancelled (its worker learns it at the next heartbeat); None if it was not active."""
    result = session.exec(
        update(Run)
        .where(col(Run.id) == run_id, col(Run.status).in_(ACTIVE_STATUSES))
        .values(status=CANCELLED, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    run = get_run(session, run_id)
    append_log(session, run, "warning", "cancelled by user", outbox)
    announce_status(session, run, outbox)
    append_event(session, run, "end", {"status": run.status}, outbox)
    return run


def cancel_run(session: Session, broker: EventBroker, run_id: int) -> Run:
    """Cancel a queued or running run; cancelling a cancelled run changes nothing."""
    outbox = Outbox()
    run = _cancel_in_transaction(session, run_id, outbox)
    if run is None:
        session.rollback()
        run = get_run(session, run_id)
        if run.status == CANCELLED:
            return run
        raise ConflictError(f"run {run_id} already {run.status}; only queued or running runs can be cancelled")
    commit_and_publish(session, broker, outbox)
    return run


def delete_run(session: Session, broker: EventBroker, artifact_dir: Path, run_id: int) -> None:
    """Delete a run with its points, events and artifact files; a run still active is cancelled first."""
    outbox = Outbox()
    _cancel_in_transaction(session, run_id, outbox)
    get_run(session, run_id)
    session.exec(delete(Run).where(col(Run.id) == run_id).execution_options(synchronize_session=False))
    outbox.add(run_channel(run_id), LiveEvent("end", {"id": run_id, "status": "deleted"}))
    outbox.add(RUNS_CHANNEL, LiveEvent("deleted", {"id": run_id}))
    commit_and_publish(session, broker, outbox)
    session.expunge_all()
    remove_run_files(artifact_dir, run_id)
