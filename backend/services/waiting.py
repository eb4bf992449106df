"""Why a queued run is not being taken: filled into the runs the API answers with."""

from __future__ import annotations

from sqlmodel import Session

from trainboard.backend.schemas import RunPublic
from trainboard.backend.services.offers import live_workers, waiting_reason
from trainboard.common.statuses import QUEUED


def with_waiting(session: Session, lease_s: float, runs: list[RunPublic]) -> list[RunPublic]:
    """`runs` with `waiting` set on each queued run that no live worker can take (one worker query in all)."""
    queued = [run for run in runs if run.status == QUEUED]
    if not queued:
        return runs
    workers = live_workers(session, lease_s)
    for run in queued:
        run.waiting = waiting_reason(run.config, workers)
    return runs
