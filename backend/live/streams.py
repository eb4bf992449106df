"""Server-Sent Event streams: a run's events (replayed from storage, then live) and run-list changes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import anyio
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from trainboard.backend.live.broker import RUNS_CHANNEL, EventBroker, LiveEvent, run_channel
from trainboard.backend.live.stored_events import live_events
from trainboard.backend.tables import FINISHED_STATUSES, Run, RunEvent
from trainboard.common.jsonsafe import dumps_compact

REPLAY_PAGE = 1_000  # stored events read per query while catching up
KEEP_ALIVE = ": keep-alive\n\n"


def format_sse(live_event: LiveEvent) -> str:
    """One event in the text/event-stream format."""
    head = f"id: {live_event.id}\n" if live_event.id is not None else ""
    return f"{head}event: {live_event.event}\ndata: {dumps_compact(live_event.data)}\n\n"


@dataclass(frozen=True)
class _Stored:
    events: list[LiveEvent]
    status: str | None  # None: the run is gone


def _stored_after(engine: Engine, run_id: int, after_id: int) -> _Stored:
    """Up to REPLAY_PAGE stored events of a run with id > after_id, and the run's status."""
    with Session(engine) as session:
        # The status is read before the events: a run seen unfinished may have ended since (its `end` is then
        # among the events or arrives live), but a run seen finished has every one of its events stored.
        run = session.get(Run, run_id)
        if run is None:
            return _Stored([], None)
        query = (
            select(RunEvent)
            .where(RunEvent.run_id == run_id, col(RunEvent.id) > after_id)
            .order_by(col(RunEvent.id))
            .limit(REPLAY_PAGE)
        )
        rows = session.exec(query).all()
        return _Stored(live_events(session, run_id, rows), run.status)


class _RunStream:
    """The state of one run's stream: the last id sent and whether `end` went out."""

    def __init__(self, engine: Engine, run_id: int, last_event_id: int) -> None:
        self.engine = engine
        self.run_id = run_id
        self.last_id = last_event_id
        self.ended = False

    def render(self, live_event: LiveEvent) -> str | None:
        """The SSE text for an event not sent yet, or None for one at or below the last id (a duplicate)."""
        if live_event.id is not None:
            if live_event.id <= self.last_id:
                return None
            self.last_id = live_event.id
        self.ended = self.ended or live_event.event == "end"
        return format_sse(live_event)

    async def catch_up(self) -> AsyncIterator[str]:
        """Every stored event after the last id sent; an `end` if the run is over (or gone) and none was sent."""
        while not self.ended:
            stored = await anyio.to_thread.run_sync(_stored_after, self.engine, self.run_id, self.last_id)
            for live_event in stored.events:
                text = self.render(live_event)
                if text:
                    yield text
                if self.ended:
                    return
            if len(stored.events) == REPLAY_PAGE:
                continue
            if stored.status is None or stored.status in FINISHED_STATUSES:
                self.ended = True
                yield format_sse(LiveEvent("end", {"id": self.run_id, "status": stored.status or "deleted"}))
            return


async def run_event_stream(
    engine: Engine, broker: EventBroker, run_id: int, last_event_id: int, keepalive_s: float
) -> AsyncIterator[str]:
    """A run's events after last_event_id: stored ones first, then live ones; ends after `end`.

    The subscription opens before the replay, so nothing published meanwhile is lost; events that
    arrive both ways are sent once (ids only increase).
    """
    async with broker.subscribe(run_channel(run_id)) as subscription:
        stream = _RunStream(engine, run_id, last_event_id)
        yield ": stream open\n\n"
        async for text in stream.catch_up():
            yield text
        while not stream.ended:
            if not await subscription.wait(keepalive_s):
                yield KEEP_ALIVE
                continue
            if subscription.closed:
                return
            if subscription.overflowed:  # fell behind: read what was missed from storage instead
                subscription.reset_overflow()
                async for text in stream.catch_up():
                    yield text
                continue
            parts = []
            for live_event in subscription.pending():
                text = stream.render(live_event)
                if text:
                    parts.append(text)
                if stream.ended:  # nothing is sent after `end`
                    break
            if parts:
                yield "".join(parts)


async def run_list_stream(broker: EventBroker, keepalive_s: float) -> AsyncIterator[str]:
    """Run-list changes (created, status, progress, deleted) as they happen; no replay (clients reload the list)."""
    async with broker.subscribe(RUNS_CHANNEL) as subscription:
        yield ": stream open\n\n"
        while not subscription.closed:
            if not await subscription.wait(keepalive_s):
                yield KEEP_ALIVE
                continue
            if subscription.overflowed:
                subscription.reset_overflow()
                yield format_sse(LiveEvent("resync", {}))  # too far behind: the client should reload the list
                continue
            chunk = "".join(format_sse(e) for e in subscription.pending())
            if chunk:
                yield chunk
