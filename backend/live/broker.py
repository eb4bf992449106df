"""Live fan-out of events to open SSE streams: the broker interface, its events and subscriptions.

Publishers are request handlers running in worker threads; subscribers are SSE streams on the event
loop. `publish` is thread-safe and never blocks. Published events are already committed: stored run
events carry their RunEvent id, so a stream that also replays from the database can drop duplicates.
Two brokers implement it: in one process (live/in_process.py) and across server processes over
PostgreSQL LISTEN/NOTIFY (live/postgres.py); live/brokers.py picks the one that fits the database.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

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
