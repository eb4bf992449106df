"""Runs started by a user's script (kind `external`): created running, held by the script itself.

The script gets a holder row (a Worker with device `external`, so the lease check, heartbeat, ingest and
finish work unchanged) and the run's lease token; the run never enters the queue, so no worker claims it.
"""

from __future__ import annotations

import logging

from sqlmodel import Session

from trainboard.backend.live.broker import EventBroker
from trainboard.backend.live.run_events import Outbox, announce_status, append_log, commit_and_publish
from trainboard.backend.sdk_protocol import ExternalRunCreate, ExternalRunStarted
from trainboard.backend.services.holding import new_lease_token
from trainboard.backend.settings import Settings
from trainboard.backend.tables import RUNNING, Run, RunTag, Worker, utcnow
from trainboard.backend.worker_protocol import RequestLimits
from trainboard.common.jsonsafe import scrub_non_finite
from trainboard.common.run_kinds import EXTERNAL, SCRIPT_HOLDER_DEVICE

log = logging.getLogger(__name__)



def start_external_run(
    session: Session, broker: EventBroker, body: ExternalRunCreate, settings: Settings
) -> ExternalRunStarted:
    """Create a running run held by the calling script; the answer is the only place its lease token appears."""
    where = f"{body.host or 'unknown host'}" + (f" (pid {body.pid})" if body.pid is not None else "")
    holder = Worker(name=f"script on {where}"[:200], device=SCRIPT_HOLDER_DEVICE,
                    capabilities={"script": {"host": body.host, "pid": body.pid}})
    session.add(holder)
    session.flush()
    token, token_hash = new_lease_token()
    now = utcnow()
    run = Run(
        name=body.name or f"script on {body.host or 'unknown host'}",
        kind=EXTERNAL,
        status=RUNNING,
        config=scrub_non_finite(body.config),
        tags=body.tags,
        worker_id=holder.id,
        worker_name=holder.name,
        device=SCRIPT_HOLDER_DEVICE,
        heartbeat_at=now,
        started_at=now,
        attempt=1,
        lease_hash=token_hash,
    )
    session.add(run)
    session.flush()
    assert run.id is not None and holder.id is not None
    for tag in body.tags:
        session.add(RunTag(run_id=run.id, tag=tag))
    outbox = Outbox()
    announce_status(session, run, outbox, list_event="created")
    append_log(session, run, "info", f"started by a script on {where}", outbox)
    commit_and_publish(session, broker, outbox)
    log.info("run %d: started by a script on %s", run.id, where)
    limits = RequestLimits(
        max_request_bytes=settings.max_request_bytes,
        max_artifact_bytes=settings.max_artifact_bytes,
        max_checkpoint_bytes=settings.max_checkpoint_bytes,
    )
    return ExternalRunStarted(
        run_id=run.id, worker_id=holder.id, lease_token=token, next_seq=run.last_seq + 1,
        lease_s=settings.lease_s, heartbeat_s=settings.heartbeat_s, limits=limits,
    )
