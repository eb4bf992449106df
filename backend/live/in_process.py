"""The broker of a single server process: a set of subscriptions per channel, fed from request threads."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from trainboard.backend.live.broker import SUBSCRIPTION_QUEUE, EventBroker, LiveEvent, Subscription


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
