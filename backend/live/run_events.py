"""Stored run events and their publication: append in a transaction, publish after it commits, in commit order."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from trainboard.backend.live.broker import RUNS_CHANNEL, EventBroker, LiveEvent, run_channel
from trainboard.backend.schemas import RunPublic
from trainboard.backend.tables import Run, RunEvent

# Commit and publish happen under one lock, so streams see events in the order they were committed
# (a stream drops any event whose id is not above the last one it sent).
_COMMIT_ORDER = threading.Lock()


def run_public_json(run: Run) -> dict[str, Any]:
    """The public fields of a run as JSON-ready data (the payload of `status` events)."""
    return RunPublic.model_validate(run, from_attributes=True).model_dump(mode="json")


@dataclass
class Outbox:
    """Events to publish once the transaction that stored them commits."""

    items: list[tuple[str, LiveEvent]] = field(default_factory=list)

    def add(self, channel: str, live_event: LiveEvent) -> None:
        """Queue one event for `channel`."""
        self.items.append((channel, live_event))


def append_event(
    session: Session, run: Run, event: str, data: dict[str, Any] | Callable[[], dict[str, Any]], outbox: Outbox,
    stored: dict[str, Any] | None = None,
) -> RunEvent:
    """Store an event of `run` (its id becomes the SSE id) and queue it for the run's stream.

    `data` may be a function, called once the event has its id (for payloads that report it). `stored`, when
    given, is what the row keeps instead of `data` (a metrics event keeps where its points are, not the points:
    backend/live/stored_events.py puts them back when the event is read).
    """
    assert run.id is not None
    row = RunEvent(run_id=run.id, event=event, data={} if callable(data) else (stored if stored is not None else data))
    session.add(row)
    session.flush()  # assigns row.id
    assert row.id is not None
    run.last_event_id = row.id
    session.add(run)
    if callable(data):
        row.data = data()
    outbox.add(run_channel(run.id), LiveEvent(event, row.data if stored is None else data, row.id))
    return row


def announce_status(session: Session, run: Run, outbox: Outbox, list_event: str = "status") -> None:
    """Store a `status` event with the run's public fields and tell the run list (`created` or `status`)."""
    row = append_event(session, run, "status", lambda: run_public_json(run), outbox)
    outbox.add(RUNS_CHANNEL, LiveEvent(list_event, row.data))


def announce_progress(run: Run, outbox: Outbox) -> None:
    """Tell the run list that a run moved on (not stored: the list reloads runs after a reconnect)."""
    outbox.add(RUNS_CHANNEL, LiveEvent("progress", run_public_json(run)))


def append_log(session: Session, run: Run, level: str, message: str, outbox: Outbox) -> None:
    """Store one log line of `run`."""
    append_event(session, run, "log", {"level": level, "message": message}, outbox)


def commit_and_publish(session: Session, broker: EventBroker, outbox: Outbox) -> None:
    """Commit the session, then publish the outbox, grouped by channel, in order."""
    with _COMMIT_ORDER:
        session.commit()
        by_channel: dict[str, list[LiveEvent]] = {}
        for channel, live_event in outbox.items:
            by_channel.setdefault(channel, []).append(live_event)
        for channel, events in by_channel.items():
            broker.publish(channel, events)
