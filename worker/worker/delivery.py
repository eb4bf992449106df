"""The reporter's sending thread: the outbox's items to the server, in order, once each, or a loud failure.

- A lone item goes out at once; while a request is outstanding (or the pacer says wait) new items gather
  into the next batch, so a run makes a few requests per second whatever its logging rate.
- The server being away (no connection) is waited out without limit: items stay in the outbox, which
  spills to disk. A server that answers with errors (5xx, 429) is retried with backoff for give_up_s, then
  the run fails with the last answer as the reason. A refusal that will not change (413, 422) fails the run
  at once. Nothing is dropped silently.
- A seq gap (the server's sequence ends before this batch, e.g. after it lost its last commits) is mended
  by re-sending from the events this thread keeps after sending them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from trainboard.common.retry import Backoff, describe_failure, is_retryable
from trainboard.worker.client import BackendClient, LeaseLostError, SeqGapError
from trainboard.worker.event_buffer import EventBuffer
from trainboard.worker.event_items import BATCH_SHARE

log = logging.getLogger(__name__)

RETAINED_EVENTS = 20_000  # sent events kept for a re-send after a seq gap
GIVE_UP_S = 300.0  # how long a server that answers with errors is retried before the run fails


class DeliveryFailed(Exception):
    """Items could not be delivered and never will be; the message is the run's error."""


@dataclass
class Pacer:
    """A token bucket: up to `burst` requests at once, then `rate_per_s` on average."""

    rate_per_s: float = 4.0
    burst: float = 5.0
    _tokens: float = 5.0
    _at: float = field(default_factory=time.monotonic)

    def wait_s(self) -> float:
        """Seconds until the next request may go (0 now)."""
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate_per_s)
        self._at = now
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate_per_s

    def take(self) -> None:
        self._tokens -= 1


class Delivery:
    """Sends the outbox of one run from a thread of its own; `failure` holds why it gave up, if it did."""

    def __init__(
        self,
        client: BackendClient,
        run_id: int,
        buffer: EventBuffer,
        limits: dict[str, int],
        on_fatal: Any,
        give_up_s: float = GIVE_UP_S,
        pacer: Pacer | None = None,
    ) -> None:
        self.client = client
        self.run_id = run_id
        self.buffer = buffer
        self.limits = limits
        self.give_up_s = give_up_s
        self.pacer = pacer or Pacer()
        self.lease_lost = False
        self.failure: str | None = None
        self._on_fatal = on_fatal  # called once when delivery stops for good (stop the training)
        self._sent: deque[dict[str, Any]] = deque(maxlen=RETAINED_EVENTS)
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._retry_now = threading.Event()  # close() cuts the current backoff short once
        self._thread = threading.Thread(target=self._run, name=f"report-run-{run_id}", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """There is something new in the outbox."""
        self._wake.set()

    def close(self) -> None:
        """Deliver what is left (waiting for a server that is away), then stop."""
        self._closing.set()
        self._retry_now.set()
        self._wake.set()
        self._thread.join()

    # ------------------------------------------------------------------------------------------ thread

    def _run(self) -> None:
        backoff = Backoff()
        failing_since: float | None = None
        while not (self.lease_lost or self.failure):
            if not len(self.buffer):
                if self._closing.is_set():
                    return
                self._wake.wait()
                self._wake.clear()
                continue
            pause = 0.0 if self._closing.is_set() else self.pacer.wait_s()
            if pause > 0:
                time.sleep(pause)  # meanwhile new items join the batch
                continue
            try:
                self.pacer.take()
                self._send_head()
                backoff.reset()
                failing_since = None
            except LeaseLostError as error:
                log.warning("run %s: lease lost (%s); %d items not sent", self.run_id, error, len(self.buffer))
                self.lease_lost = True
                self._on_fatal()
            except DeliveryFailed as error:
                self._fail(str(error))
            except (httpx.TransportError, httpx.HTTPStatusError) as error:
                if not is_retryable(error):
                    self._fail(f"the server refused a report: {describe_failure(error)}")
                    continue
                if isinstance(error, httpx.HTTPStatusError):  # it answers, but with an error
                    failing_since = failing_since or time.monotonic()
                    if time.monotonic() - failing_since > self.give_up_s:
                        self._fail(f"reports failed for {self.give_up_s:g} s: {describe_failure(error)}")
                        continue
                wait_s = backoff.delay(error)
                log.warning("run %s: report failed (%s); retrying in %.1f s", self.run_id, describe_failure(error),
                            wait_s)
                if self._retry_now.wait(wait_s):
                    self._retry_now.clear()
            except Exception as error:  # a bug here must fail the run, not silence it
                log.exception("run %s: reporting failed", self.run_id)
                self._fail(f"reporting failed: {type(error).__name__}: {error}")

    def _fail(self, reason: str) -> None:
        log.error("run %s: %s; %d items not sent", self.run_id, reason, len(self.buffer))
        self.failure = reason
        self._on_fatal()

    def _send_head(self) -> None:
        """Send the oldest item(s): a run of events as one ingest batch, or one artifact or checkpoint."""
        items = self.buffer.peek(self.limits["max_events_per_batch"])
        head = items[0]
        if head["kind"] == "artifact":
            self._check_size(head["name"], head.get("size", 0), "max_artifact_bytes")
            self.client.put_artifact(self.run_id, head["name"], head["payload"])
            self.buffer.ack(1)
        elif head["kind"] == "checkpoint":
            path = Path(head["path"])
            data = path.read_bytes()
            self._check_size("checkpoint", len(data), "max_checkpoint_bytes")
            self.client.put_checkpoint(self.run_id, data, head["epoch"], head["step"])
            self.buffer.ack(1)
            path.unlink(missing_ok=True)
        else:
            events = self._batch(items)
            try:
                self.client.ingest(self.run_id, events)
            except SeqGapError as gap:
                self._resend_from(gap.expected_seq)  # then this batch goes again, on the next turn
                return
            self.buffer.ack(len(events))
            self._sent.extend(items[: len(events)])

    def _batch(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The leading events of `items` that fit one request body."""
        budget = int(self.limits["max_request_bytes"] * BATCH_SHARE)
        events, size = [], 0
        for item in items:
            if item["kind"] != "event" or (events and size + item["size"] > budget):
                break
            events.append(item["event"])
            size += item["size"]
        if size > budget:
            raise DeliveryFailed(
                f"one {events[0]['type']} event of {size:,} bytes is over the server's request limit "
                f"({self.limits['max_request_bytes']:,} bytes, TRAINBOARD_MAX_REQUEST_MB)"
            )
        return events

    def _check_size(self, name: str, size: int, limit_key: str) -> None:
        if size > self.limits[limit_key]:
            raise DeliveryFailed(
                f"the {name} artifact of {size:,} bytes is over the server's limit of {self.limits[limit_key]:,} "
                f"bytes (TRAINBOARD_{limit_key.upper().removesuffix('_BYTES')}_MB)"
            )

    def _resend_from(self, expected_seq: int) -> None:
        """The server lost events from expected_seq on: send them again from those kept after sending."""
        missing = [item for item in self._sent if item["event"]["seq"] >= expected_seq]
        if not missing or missing[0]["event"]["seq"] != expected_seq:
            raise DeliveryFailed(f"the server's events of this run end at seq {expected_seq - 1}, before the "
                                 f"events this worker still holds; {expected_seq} onwards cannot be sent again")
        log.warning("run %s: the server lost events from seq %d; sending %d again", self.run_id, expected_seq,
                    len(missing))
        while missing:
            events = self._batch(missing[: self.limits["max_events_per_batch"]])
            self.client.ingest(self.run_id, events)
            missing = missing[len(events):]
