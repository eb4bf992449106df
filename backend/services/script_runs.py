"""Runs of kind `script`: a user's command, queued like a training run, for a worker that allows its folder."""

from __future__ import annotations

import logging

from sqlmodel import Session

from trainboard.backend.errors import field_error
from trainboard.backend.live.broker import EventBroker
from trainboard.backend.live.run_events import Outbox, announce_status, commit_and_publish
from trainboard.backend.sdk_protocol import ScriptRunCreate
from trainboard.backend.services.offers import lacks, live_workers
from trainboard.backend.tables import Run, RunTag
from trainboard.common.run_kinds import SCRIPT

log = logging.getLogger(__name__)


def create_script_run(session: Session, broker: EventBroker, body: ScriptRunCreate, lease_s: float) -> Run:
    """Queue a script run; 422 naming `cwd` when no live worker runs scripts from that folder."""
    config = {"kind": SCRIPT, **body.model_dump(exclude={"name", "tags"})}
    if not any(lacks(w, config) is None for w in live_workers(session, lease_s)):
        raise field_error("cwd", f"no live worker runs scripts from {body.cwd}: start one with "
                          f"`trainboard worker --scripts DIR` for a folder that holds it", body.cwd)
    run = Run(name=body.name or body.command[:200], kind=SCRIPT, config=config, tags=body.tags)
    session.add(run)
    session.flush()
    assert run.id is not None
    for tag in body.tags:
        session.add(RunTag(run_id=run.id, tag=tag))
    outbox = Outbox()
    announce_status(session, run, outbox, list_event="created")
    commit_and_publish(session, broker, outbox)
    log.info("run %d: script %r in %s queued", run.id, body.command, body.cwd)
    return run
