"""Live events across server processes: PostgreSQL LISTEN/NOTIFY feeding each process's in-process fan-out.

Each process keeps two connections of its own, each on a thread: one LISTENs, one sends NOTIFYs, so
`publish` never waits for the database. A run's events are stored before they are published, so the
notification for a run channel carries its newest id only; in every process (this one too) the run's
streams then get the new events from a RunEventFeed, which reads them from storage once per process,
in id order. That keeps a stream complete and in order when a run's events come from several processes.
Run-list events are not stored: they travel inline, or, past NOTIFY's 8000-byte payload limit, as the
run id, and the receiving process reads the run back.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio
import psycopg
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from trainboard.backend.live.broker import RUNS_CHANNEL, EventBroker, LiveEvent, Subscription
from trainboard.backend.live.feed import RunEventFeed, run_id_of
from trainboard.backend.live.in_process import InProcessBroker
from trainboard.backend.live.run_events import run_public_json
from trainboard.backend.tables import Run
from trainboard.common.jsonsafe import dumps_compact

log = logging.getLogger(__name__)

PG_CHANNEL = "trainboard_events"  # the LISTEN/NOTIFY channel; notifications stay inside one database
MAX_PAYLOAD_BYTES = 7_900  # PostgreSQL refuses NOTIFY payloads of 8000 bytes or more
POLL_S = 0.1  # how often the threads look at the stop flag, seconds (close() waits this long at most)
RECONNECT_S = (0.2, 0.5, 1.0, 2.0, 5.0)  # waits between connection attempts; the last one repeats
SEND_QUEUE = 100_000  # notifications waiting to be sent before new ones are dropped (with a warning)
LISTEN_WAIT_S = 10.0  # start() waits this long for LISTEN, so a server that answers also hears the others


def _encode(message: dict[str, Any]) -> str:
    return dumps_compact(message)  # ASCII only, so its length is its size in bytes


def run_list_payloads(origin: str, events: Sequence[LiveEvent]) -> list[str]:
    """NOTIFY payloads for run-list events: inline while they fit, a run id reference for a run too big to send."""
    payloads: list[str] = []
    inline: list[list[Any]] = []
    for live_event in events:
        candidate = [*inline, [live_event.event, live_event.data]]
        if len(_encode({"o": origin, "c": RUNS_CHANNEL, "e": candidate})) <= MAX_PAYLOAD_BYTES:
            inline = candidate
            continue
        if inline:
            payloads.append(_encode({"o": origin, "c": RUNS_CHANNEL, "e": inline}))
            inline = []
        single = _encode({"o": origin, "c": RUNS_CHANNEL, "e": [[live_event.event, live_event.data]]})
        if len(single) <= MAX_PAYLOAD_BYTES:
            inline = [[live_event.event, live_event.data]]
        else:
            reference = [[live_event.event, live_event.data["id"]]]
            payloads.append(_encode({"o": origin, "c": RUNS_CHANNEL, "r": reference}))
    if inline:
        payloads.append(_encode({"o": origin, "c": RUNS_CHANNEL, "e": inline}))
    return payloads


class PostgresBroker(EventBroker):
    """An in-process broker for this process's streams, kept in step with every other process through NOTIFY."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._local = InProcessBroker()
        self._feed = RunEventFeed(engine, self._local)
        self._origin = uuid.uuid4().hex[:12]  # tells this process's own notifications apart
        self._outgoing: queue.Queue[str] = queue.Queue(maxsize=SEND_QUEUE)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.listening = threading.Event()  # set while the LISTEN connection is up

    def _connect(self) -> psycopg.Connection[Any]:
        """A new autocommit connection to the engine's database, outside its pool."""
        args, kwargs = self._engine.dialect.create_connect_args(self._engine.url)
        return psycopg.connect(*args, **{**kwargs, "autocommit": True})

    # --- EventBroker --------------------------------------------------------------------------------------
    def publish(self, channel: str, events: Sequence[LiveEvent]) -> None:
        if not self._threads:  # not started (an app used without its lifespan): this process is the only audience
            self._local.publish(channel, events)
            return
        if channel == RUNS_CHANNEL:
            self._local.publish(channel, events)
            payloads = run_list_payloads(self._origin, events)
        else:
            ids = [e.id for e in events if e.id is not None]
            unstored = [[e.event, e.data] for e in events if e.id is None]  # the `end` of a deleted run
            if unstored:
                self._local.publish(channel, [LiveEvent(event, data) for event, data in unstored])
            self._feed.poke(channel)
            message = {"o": self._origin, "c": channel, "i": max(ids) if ids else None}
            payloads = [_encode({**message, "e": unstored} if unstored else message)]
        for payload in payloads:
            try:
                self._outgoing.put_nowait(payload)
            except queue.Full:
                log.warning("event notification queue full; other server processes miss an update on %s", channel)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        async with self._local.subscribe(channel) as subscription:
            if run_id_of(channel) is None or not self._threads:
                yield subscription
                return
            await anyio.to_thread.run_sync(self._feed.attach, channel)
            try:
                yield subscription
            finally:
                self._feed.detach(channel)

    def start(self) -> None:
        """Start the LISTEN and NOTIFY threads; returns once LISTEN is in place (or after LISTEN_WAIT_S)."""
        if self._threads:
            return
        self._stop.clear()
        self._feed.start()
        self._threads = [
            threading.Thread(target=self._listen_forever, name="pg-listen", daemon=True),
            threading.Thread(target=self._send_forever, name="pg-notify", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        if not self.listening.wait(LISTEN_WAIT_S):
            log.warning("not listening for events of other server processes yet; still trying")

    def close(self) -> None:
        self._local.close()
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._threads:
            self._feed.stop()
        self._threads = []

    def subscriber_count(self, channel: str) -> int:
        """How many streams of this process listen on `channel`."""
        return self._local.subscriber_count(channel)

    # --- receiving ----------------------------------------------------------------------------------------
    def _listen_forever(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            try:
                with self._connect() as connection:
                    connection.execute(f"LISTEN {PG_CHANNEL}")
                    self.listening.set()
                    attempt = 0
                    # Notifications may have been missed while not listening.
                    self._feed.poke_all()
                    self._local.mark_stale(RUNS_CHANNEL)  # run-list streams tell their clients to reload
                    while not self._stop.is_set():
                        for notification in connection.notifies(timeout=POLL_S):
                            self._deliver(notification.payload)
            except psycopg.Error as error:
                self.listening.clear()
                if self._stop.is_set():
                    return
                log.warning("LISTEN connection lost (%s); reconnecting", error)
                self._stop.wait(RECONNECT_S[min(attempt, len(RECONNECT_S) - 1)])
                attempt += 1
        self.listening.clear()

    def _deliver(self, payload: str) -> None:
        """Hand one notification to this process's subscribers."""
        try:
            message = json.loads(payload)
            if message.get("o") == self._origin:
                return  # published here; local streams already know
            channel = message["c"]
            if "e" in message:
                self._local.publish(channel, [LiveEvent(event, data) for event, data in message["e"]])
            if "r" in message:
                self._local.publish(channel, self._read_back(message["r"]))
            if channel != RUNS_CHANNEL:
                self._feed.poke(channel)
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed event notification: %.200s", payload)
        except SQLAlchemyError:
            log.exception("could not read back the runs of a run-list notification")

    def _read_back(self, references: list[list[Any]]) -> list[LiveEvent]:
        """Run-list events sent as run ids: the runs' current public fields (runs deleted since are skipped)."""
        events = []
        with Session(self._engine) as session:
            for event, run_id in references:
                run = session.get(Run, run_id)
                if run is not None:
                    events.append(LiveEvent(event, run_public_json(run)))
        return events

    # --- sending ------------------------------------------------------------------------------------------
    def _next_batch(self, wait: bool) -> list[str]:
        """Waiting payloads; blocks up to POLL_S for the first one when `wait`."""
        batch: list[str] = []
        try:
            if wait:
                batch.append(self._outgoing.get(timeout=POLL_S))
            while len(batch) < 1_000:
                batch.append(self._outgoing.get_nowait())
        except queue.Empty:
            pass
        return batch

    def _send_forever(self) -> None:
        attempt = 0
        batch: list[str] = []
        while True:
            try:
                with self._connect() as connection:
                    attempt = 0
                    while True:
                        stopping = self._stop.is_set()
                        batch = batch or self._next_batch(wait=not stopping)
                        if not batch:
                            if stopping:
                                return  # everything published before close() went out
                            continue
                        try:
                            with connection.cursor() as cursor:  # one round trip for the whole batch
                                cursor.executemany("SELECT pg_notify(%s, %s)", [(PG_CHANNEL, p) for p in batch])
                        except psycopg.Error as error:
                            if connection.closed:
                                raise
                            log.warning("dropping %d event notifications the server refused: %s", len(batch), error)
                        batch = []
            except psycopg.Error as error:
                if self._stop.is_set():
                    return
                log.warning("NOTIFY connection lost (%s); reconnecting", error)
                self._stop.wait(RECONNECT_S[min(attempt, len(RECONNECT_S) - 1)])
                attempt += 1
