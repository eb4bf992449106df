"""Live fan-out of events to open SSE streams: a small broker interface and its in-process implementation.

Publishers are request handlers running in worker threads; subscribers are SSE streams on the event
loop. `publish` is thread-safe and never blocks. Published events are already committed: stored run
events carry their RunEvent id, so a stream that also replays from the database can drop duplicates.
A broker over PostgreSQL LISTEN/NOTIFY (backend/pg_broker.py, for several server processes) implements
the same interface; `broker_for` picks the one that fits the database.
"""

from __future__ import annotations

import asyncio
import threading
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

RUNS_CHANNEL = "runs"  # run-list changes for GET /api/events
SUBSCRIPTION_QUEUE = 10_000  # events a slow stream may fall behind before it must re-read the database


def run_channel(run_id: int) -> str:
    """The channel of one run's events."""
    return f"run:{run_id}"


@dataclass(frozen=True)
class LiveEvent:
    """An SSE event: name, JSON-able data, and the stored RunEvent id (None for events not stored)."""

    event: str
    data: dict[str, Any]
    id: int | None = None


class Subscription:
    """One stream's inbox. Lives on the event loop that created it."""

    def __init__(self, channel: str, max_queue: int = SUBSCRIPTION_QUEUE) -> None:
        self.channel = channel
        self.loop = asyncio.get_running_loop()
        self.overflowed = False  # events were dropped or not queued at all: the stream must catch up from storage
        self.closed = False
        self._queue: asyncio.Queue[LiveEvent] = asyncio.Queue()
        self._max_queue = max_queue
        self._wakeup = asyncio.Event()

    def push(self, events: Sequence[LiveEvent]) -> None:
        """Queue events (called on the loop)."""
        for live_event in events:
            if self._queue.qsize() >= self._max_queue:
                self.overflowed = True
                break
            self._queue.put_nowait(live_event)
        self._wakeup.set()

    def mark_stale(self) -> None:
        """Say that new events are in storage without queueing them (called on the loop)."""
        self.overflowed = True
        self._wakeup.set()

    def close(self) -> None:
        """Ask the stream to end (server shutdown)."""
        self.closed = True
        self._wakeup.set()

    def pending(self) -> list[LiveEvent]:
        """Every queued event, removed from the queue."""
        taken = []
        while not self._queue.empty():
            taken.append(self._queue.get_nowait())
        return taken

    def reset_overflow(self) -> None:
        """Forget queued events after an overflow; the caller re-reads storage instead."""
        self.pending()
        self.overflowed = False

    async def wait(self, timeout_s: float) -> bool:
        """Wait until events are queued, storage has news, or the subscription is closed; False on timeout."""
        if not self._queue.empty() or self.closed or self.overflowed:
            return True
        self._wakeup.clear()
        try:
            await asyncio.wait_for(self._wakeup.wait(), timeout_s)
        except asyncio.TimeoutError:
            return False
        return True


class EventBroker(ABC):
    """Publish committed events to channels; streams subscribe to channels."""

    @abstractmethod
    def publish(self, channel: str, events: Sequence[LiveEvent]) -> None:
        """Deliver events to every current subscriber of `channel`. Thread-safe; does not block."""

    @abstractmethod
    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]:
        """An async context manager yielding a Subscription to `channel` (must run on the event loop)."""

    def start(self) -> None:
        """Begin delivering events from other processes (called once the server runs; nothing to do here)."""

    @abstractmethod
    def close(self) -> None:
        """End every open subscription."""


class InProcessBroker(EventBroker):
    """Fan-out inside one server process: a set of subscriptions per channel."""

    def __init__(self, queue_limit: int = SUBSCRIPTION_QUEUE) -> None:
        self._subscriptions: dict[str, set[Subscription]] = {}
        self._lock = threading.Lock()
        self._queue_limit = queue_limit  # per subscription

    def publish(self, channel: str, events: Sequence[LiveEvent]) -> None:
        with self._lock:
            subscriptions = list(self._subscriptions.get(channel, ()))
        batch = list(events)
        for subscription in subscriptions:
            try:
                subscription.loop.call_soon_threadsafe(subscription.push, batch)
            except RuntimeError:  # its loop is closed: the stream is gone
                self._discard(subscription)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        subscription = Subscription(channel, self._queue_limit)
        with self._lock:
            self._subscriptions.setdefault(channel, set()).add(subscription)
        try:
            yield subscription
        finally:
            self._discard(subscription)

    def close(self) -> None:
        with self._lock:
            subscriptions = [s for subs in self._subscriptions.values() for s in subs]
        for subscription in subscriptions:
            try:
                subscription.loop.call_soon_threadsafe(subscription.close)
            except RuntimeError:
                pass

    def mark_stale(self, channel: str | None = None) -> None:
        """Tell the subscribers of `channel` (None: of every channel) to re-read storage. Thread-safe."""
        with self._lock:
            if channel is None:
                subscriptions = [s for subs in self._subscriptions.values() for s in subs]
            else:
                subscriptions = list(self._subscriptions.get(channel, ()))
        for subscription in subscriptions:
            try:
                subscription.loop.call_soon_threadsafe(subscription.mark_stale)
            except RuntimeError:
                self._discard(subscription)

    def subscriber_count(self, channel: str) -> int:
        """How many streams listen on `channel` (for tests and the benchmark)."""
        with self._lock:
            return len(self._subscriptions.get(channel, ()))

    def _discard(self, subscription: Subscription) -> None:
        with self._lock:
            subscriptions = self._subscriptions.get(subscription.channel)
            if subscriptions is not None:
                subscriptions.discard(subscription)
                if not subscriptions:
                    del self._subscriptions[subscription.channel]


def broker_for(engine: Engine) -> EventBroker:
    """The broker for a database: LISTEN/NOTIFY across server processes on PostgreSQL, in-process otherwise."""
    if engine.dialect.name == "postgresql":
        from backend.pg_broker import PostgresBroker  # imports psycopg, needed only with PostgreSQL

        return PostgresBroker(engine)
    return InProcessBroker()
