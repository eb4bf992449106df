"""One process's feed of stored run events to its open streams: each run is read once per wake-up, not per stream.

Used by the PostgreSQL broker, where a run's events may be written by any server process. A wake-up
(`poke`) says "run N has new stored events"; a thread then reads the events after the run's cursor,
in id order, and publishes them to the run's local streams. Reading storage keeps the order right:
events of one run commit in id order (each transaction takes the run's row lock first), so a read never
returns an event while an earlier one of the same run is still to come.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from trainboard.backend.live.in_process import InProcessBroker
from trainboard.backend.live.stored_events import live_events
from trainboard.backend.tables import RunEvent

log = logging.getLogger(__name__)

READ_PAGE = 1_000  # stored events read per query
POLL_S = 0.1  # how often the thread looks at the stop flag, seconds
RETRY_S = 0.5  # wait after a failed read before trying again


def run_id_of(channel: str) -> int | None:
    """The run id of a run channel ("run:<id>"), None for any other channel."""
    prefix, _, number = channel.partition(":")
    return int(number) if prefix == "run" and number.isdigit() else None


class RunEventFeed:
    """Per-run cursors (the last stored event id handed to the run's streams) and the thread that advances them."""

    def __init__(self, engine: Engine, local: InProcessBroker) -> None:
        self._engine = engine
        self._local = local
        self._lock = threading.Condition()
        self._streams: dict[str, int] = {}  # channel -> open streams of this process
        self._cursors: dict[str, int] = {}  # channel -> last event id published
        self._dirty: set[str] = set()
        self._stop = False
        self._thread: threading.Thread | None = None

    def attach(self, channel: str) -> None:
        """A stream opened on `channel` (call after subscribing, before the stream's own replay; blocks on a read)."""
        run_id = run_id_of(channel)
        assert run_id is not None, channel
        with self._lock:
            self._streams[channel] = self._streams.get(channel, 0) + 1
            if channel in self._cursors:
                return
        # Everything up to here is stored already: the new stream's own replay reads it after this returns.
        with Session(self._engine) as session:
            last = session.exec(select(func.max(RunEvent.id)).where(RunEvent.run_id == run_id)).one() or 0
        with self._lock:
            if self._streams.get(channel) and channel not in self._cursors:
                self._cursors[channel] = last
        self.poke(channel)  # wake-ups that came before the cursor was set were skipped

    def detach(self, channel: str) -> None:
        """A stream on `channel` closed; the cursor goes with the last one."""
        with self._lock:
            left = self._streams.get(channel, 0) - 1
            if left > 0:
                self._streams[channel] = left
            else:
                self._streams.pop(channel, None)
                self._cursors.pop(channel, None)

    def poke(self, channel: str) -> None:
        """Run `channel` has new stored events (or may have). Thread-safe; does not block on the database."""
        with self._lock:
            if channel in self._cursors:
                self._dirty.add(channel)
                self._lock.notify()

    def poke_all(self) -> None:
        """Every followed run may have new stored events (after a lost LISTEN connection)."""
        with self._lock:
            self._dirty.update(self._cursors)
            self._lock.notify()

    def start(self) -> None:
        """Start the reading thread."""
        self._stop = False
        self._thread = threading.Thread(target=self._read_forever, name="run-event-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the reading thread."""
        with self._lock:
            self._stop = True
            self._lock.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _read_forever(self) -> None:
        while True:
            with self._lock:
                while not self._dirty and not self._stop:
                    self._lock.wait(POLL_S)
                if self._stop:
                    return
                channels, self._dirty = self._dirty, set()
            for channel in channels:
                try:
                    self._advance(channel)
                except Exception:  # a database hiccup must not end the feed; the run is read again
                    log.exception("reading new events of %s failed; retrying", channel)
                    with self._lock:
                        self._dirty.add(channel)
                    time.sleep(RETRY_S)

    def _advance(self, channel: str) -> None:
        """Publish the stored events of `channel` after its cursor, in id order, and move the cursor."""
        run_id = run_id_of(channel)
        while True:
            with self._lock:
                cursor = self._cursors.get(channel)
            if cursor is None:
                return  # no stream follows the run any more
            with Session(self._engine) as session:
                query = (
                    select(RunEvent)
                    .where(RunEvent.run_id == run_id, col(RunEvent.id) > cursor)
                    .order_by(col(RunEvent.id))
                    .limit(READ_PAGE)
                )
                rows: list[Any] = list(session.exec(query))
                events = live_events(session, run_id, rows)
            if not rows:
                return
            with self._lock:
                if channel not in self._cursors:
                    return
                self._cursors[channel] = max(self._cursors[channel], rows[-1].id)
            self._local.publish(channel, events)
            if len(rows) < READ_PAGE:
                return
