"""The worker's sink: turns trainer reports into sequenced events and posts them to the backend in batches.

A sender thread flushes every `flush_s` seconds or as soon as a batch is full. While the backend is away,
items wait in an EventBuffer (bounded memory, spills to disk) and the sender retries with backoff; every
event carries a per-run sequence number, so a batch re-sent after a lost answer adds nothing.
"""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx

from trainboard.common.jsonsafe import scrub_non_finite
from trainboard.trainer.sink import MetricPoint, Progress, Sink
from trainboard.worker.client import BackendClient, LeaseLostError
from trainboard.worker.event_buffer import EventBuffer

log = logging.getLogger(__name__)


class ReportingSink(Sink):
    """Posts everything the trainer reports for one run; `close()` delivers the rest before returning."""

    def __init__(
        self,
        client: BackendClient,
        run_id: int,
        next_seq: int,
        run_dir: Path,
        stop: threading.Event,
        flush_s: float = 0.5,
        batch_events: int = 200,
        max_in_memory: int = 20_000,
    ) -> None:
        self.client = client
        self.run_id = run_id
        self.run_dir = run_dir
        self.stop = stop  # set by the heartbeat (cancel, lease lost) or by SIGTERM
        self.flush_s = flush_s
        self.batch_events = batch_events
        self.lease_lost = False
        self._seq = next_seq - 1
        self._buffer = EventBuffer(run_dir / "outbox.jsonl", max_in_memory=max_in_memory)
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._sender = threading.Thread(target=self._send_loop, name=f"sink-run-{run_id}", daemon=True)
        self._sender.start()

    # --- Sink interface -------------------------------------------------------------------------------
    def on_start(self, info: dict[str, Any]) -> None:
        self._event("start", info=info)

    def on_metrics(self, points: list[MetricPoint]) -> None:
        self._event("metrics", points=[asdict(p) for p in points])

    def on_progress(self, progress: Progress) -> None:
        self._event("progress", **asdict(progress))

    def on_log(self, level: str, message: str) -> None:
        self._event("log", level=level, message=message)

    def on_end(self, summary: dict[str, Any]) -> None:
        self._event("summary", summary=summary)

    def on_artifact(self, name: str, payload: dict[str, Any]) -> None:
        self._put({"kind": "artifact", "name": name, "payload": scrub_non_finite(payload)})

    def on_checkpoint(self, path: Path, epoch: int, step: int) -> None:
        # The trainer overwrites its checkpoint file; upload a copy taken now, named by step because a stop
        # checkpoint mid-epoch shares its epoch count with the end-of-epoch checkpoint before it.
        copy = self.run_dir / f"upload-step-{step}.pt"
        self.run_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
        self._put({"kind": "checkpoint", "path": str(copy), "epoch": epoch, "step": step})

    def should_stop(self) -> bool:
        return self.stop.is_set()

    # --- delivery -------------------------------------------------------------------------------------
    def close(self) -> None:
        """Deliver everything still buffered (retrying while the backend is away), then stop the sender."""
        self._closing.set()
        self._wake.set()
        self._sender.join()

    @property
    def pending(self) -> int:
        """Items not yet acknowledged by the backend."""
        return len(self._buffer)

    def _event(self, type_: str, **fields: Any) -> None:
        self._seq += 1
        self._put({"kind": "event", "event": {"seq": self._seq, "type": type_, **scrub_non_finite(fields)}})

    def _put(self, item: dict[str, Any]) -> None:
        self._buffer.put(item)
        if len(self._buffer) >= self.batch_events or item["kind"] != "event":
            self._wake.set()

    def _send_loop(self) -> None:
        delay = 0.1
        while True:
            self._wake.wait(self.flush_s)
            self._wake.clear()
            while len(self._buffer) and not self.lease_lost:
                try:
                    self._send_head()
                    delay = 0.1
                except LeaseLostError:
                    log.warning("run %s: lease lost; dropping %d unsent items", self.run_id, len(self._buffer))
                    self.lease_lost = True
                    self.stop.set()
                except (httpx.TransportError, httpx.HTTPStatusError) as exc:
                    log.warning("run %s: report failed (%s); retrying in %.1f s", self.run_id, exc, delay)
                    if self._wake.wait(delay):
                        self._wake.clear()
                    delay = min(delay * 2, 5.0)
                except Exception:  # a bug in one item must not silence the rest of the run
                    log.exception("run %s: could not send an item; dropping it", self.run_id)
                    self._buffer.ack(1)
            if self._closing.is_set() and (not len(self._buffer) or self.lease_lost):
                return

    def _send_head(self) -> None:
        """Send the oldest item(s): a run of events as one ingest batch, or one artifact upload."""
        items = self._buffer.peek(self.batch_events)
        head = items[0]
        try:
            if head["kind"] == "artifact":
                sent = 1
                self.client.put_artifact(self.run_id, head["name"], head["payload"])
            elif head["kind"] == "checkpoint":
                sent = 1
                path = Path(head["path"])
                self.client.put_checkpoint(self.run_id, path.read_bytes(), head["epoch"], head["step"])
                path.unlink(missing_ok=True)
            else:
                events = []
                for item in items:
                    if item["kind"] != "event":
                        break
                    events.append(item["event"])
                sent = len(events)
                self.client.ingest(self.run_id, events)
        except httpx.HTTPStatusError as exc:
            code = exc.response.status_code
            if code >= 500 or code in (408, 429):
                raise
            # A refusal will not change on retry (too large, invalid): drop it rather than block the run.
            log.error("run %s: backend refused %s (%s): %s", self.run_id, head["kind"], code, exc.response.text[:200])
        self._buffer.ack(sent)
