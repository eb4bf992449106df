"""Claims that wait: a worker's claim is answered as soon as a run is queued, instead of the worker polling.

The waiting claim listens to the run-list channel (runs created, or put back in the queue), which the
PostgreSQL broker also fills from other server processes, and tries again on each such event; it also
tries every RECHECK_S, since an expired lease puts a run back without any other request.
"""

from __future__ import annotations

import time

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine
from sqlmodel import Session

from trainboard.backend.live.broker import RUNS_CHANNEL, EventBroker
from trainboard.backend.services.dispatch import claim_run
from trainboard.backend.settings import Settings
from trainboard.backend.worker_protocol import ClaimedRun
from trainboard.common.statuses import QUEUED

RECHECK_S = 2.0


def _claim_now(engine: Engine, broker: EventBroker, settings: Settings, worker_id: int) -> ClaimedRun | None:
    with Session(engine, expire_on_commit=False) as session:
        return claim_run(session, broker, worker_id, settings.lease_s, settings.max_attempts)


async def claim_when_queued(
    engine: Engine, broker: EventBroker, settings: Settings, worker_id: int, wait_s: float
) -> ClaimedRun | None:
    """The claimed run, or None when none was queued within wait_s seconds (or the server is stopping)."""
    deadline = time.monotonic() + wait_s
    # Subscribed before the first try, so a run queued between the try and the wait is not missed.
    async with broker.subscribe(RUNS_CHANNEL) as subscription:
        while True:
            claimed = await run_in_threadpool(_claim_now, engine, broker, settings, worker_id)
            left = deadline - time.monotonic()
            if claimed is not None or left <= 0:
                return claimed
            while left > 0:
                await subscription.wait(min(left, RECHECK_S))
                if subscription.closed:
                    return None
                if subscription.overflowed:
                    subscription.reset_overflow()
                    break
                news = subscription.pending()
                if not news or any(e.event == "created" or e.data.get("status") == QUEUED for e in news):
                    break  # a run may be waiting (or it is time to look again anyway)
                left = deadline - time.monotonic()
