"""Runs of scripts that went silent: after a whole lease without a heartbeat or a report, `crashed`.

A worker's silent run goes back to the queue (dispatch.requeue_expired_runs); a script's run cannot be run
again by anyone, so it ends, as `crashed`: not `failed` (the script reported nothing), not left `running`.
Silence only counts while this server was up to hear it: after a server restart a script gets a whole lease
to reach it again, so a backend restart does not crash the runs of scripts that are waiting for it.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from trainboard.backend.live.broker import EventBroker
from trainboard.backend.live.run_events import Outbox, announce_status, append_event, append_log, commit_and_publish
from trainboard.backend.tables import CRASHED, RUNNING, Run, utcnow
from trainboard.common.run_kinds import EXTERNAL

log = logging.getLogger(__name__)

_PROCESS_STARTED = time.monotonic()  # when this server process started listening for heartbeats (about)


def server_uptime_s() -> float:
    """Seconds since this server process started."""
    return time.monotonic() - _PROCESS_STARTED


def crash_silent_scripts(session: Session, broker: EventBroker, lease_s: float) -> list[int]:
    """Mark every running external run whose script has been silent for lease_s `crashed`; returns their ids."""
    if server_uptime_s() < lease_s:
        return []
    cutoff = utcnow() - timedelta(seconds=lease_s)
    silent = (col(Run.status) == RUNNING) & (col(Run.kind) == EXTERNAL) & (col(Run.heartbeat_at) < cutoff)
    crashed: list[int] = []
    for run_id in session.exec(select(Run.id).where(silent)).all():
        error = f"no heartbeat from its script for {lease_s:g} s: the script was killed or lost its machine"
        result = session.exec(
            update(Run)
            .where(col(Run.id) == run_id, silent)
            .values(status=CRASHED, finished_at=utcnow(), error=error, lease_hash=None)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # it reported meanwhile
            session.rollback()
            continue
        run = session.get(Run, run_id, populate_existing=True)
        assert run is not None
        outbox = Outbox()
        append_log(session, run, "error", error, outbox)
        announce_status(session, run, outbox)
        append_event(session, run, "end", {"status": run.status}, outbox)
        commit_and_publish(session, broker, outbox)
        log.warning("run %d: %s", run_id, error)
        crashed.append(run_id)
    return crashed
