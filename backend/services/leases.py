"""The background task that returns runs of silent workers to the queue."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.engine import Engine
from sqlmodel import Session

from trainboard.backend.live.broker import EventBroker
from trainboard.backend.services.crashes import crash_silent_scripts
from trainboard.backend.services.dispatch import requeue_expired_runs

log = logging.getLogger(__name__)


def expire_leases_once(engine: Engine, broker: EventBroker, lease_s: float, max_attempts: int) -> list[int]:
    """Requeue (or, after max_attempts claims, fail) every worker's run whose lease has run out, and mark
    every silent script's run crashed; returns their ids."""
    with Session(engine, expire_on_commit=False) as session:
        expired = requeue_expired_runs(session, broker, lease_s, max_attempts)
        return expired + crash_silent_scripts(session, broker, lease_s)


async def expire_leases_forever(
    engine: Engine, broker: EventBroker, lease_s: float, max_attempts: int, interval_s: float
) -> None:
    """Check for expired leases every interval_s seconds until cancelled (claims check too)."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await asyncio.to_thread(expire_leases_once, engine, broker, lease_s, max_attempts)
        except Exception:  # a locked or unreachable database must not end the loop
            log.exception("lease check failed; retrying in %.1f s", interval_s)
