"""The worker's sink: turns trainer reports into sequenced events and hands them to the delivery thread.

Every event carries a per-run sequence number, so a batch re-sent after a lost answer adds nothing. Items
wait in an EventBuffer (bounded memory, spills to disk) while the backend is away; delivery.py sends them.
When delivery stops for good (lease lost, a refusal, a server failing too long), `stop` is set so the
trainer ends at its next step, and `failure` says why the run must fail.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from trainboard.common.jsonsafe import scrub_non_finite
from trainboard.trainer.sink import MetricPoint, Progress, Sink
from trainboard.worker.client import BackendClient
from trainboard.worker.delivery import GIVE_UP_S, Delivery, Pacer
from trainboard.worker.event_buffer import EventBuffer
from trainboard.worker.event_items import checked_chunk, event_item, limits_of, split_points
from trainboard.worker.load_sampler import LoadSampler

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
        max_in_memory: int = 20_000,
        give_up_s: float = GIVE_UP_S,
        pacer: Pacer | None = None,
        load: LoadSampler | None = None,
    ) -> None:
        self.run_id = run_id
        self.load = load  # the machine's load, sent as system/... points every few seconds at progress reports
        self.run_dir = run_dir
        self.stop = stop  # set by the heartbeat (cancel, lease lost), by SIGTERM, or by a failed delivery
        self.limits = limits_of(client)
        self._seq = next_seq - 1
        self._buffer = EventBuffer(run_dir / "outbox.jsonl", max_in_memory=max_in_memory)
        self._delivery = Delivery(client, run_id, self._buffer, self.limits, on_fatal=stop.set,
                                  give_up_s=give_up_s, pacer=pacer)

    # --- Sink interface -------------------------------------------------------------------------------
    def on_start(self, info: dict[str, Any]) -> None:
        self._event("start", info=info)

    def on_metrics(self, points: list[MetricPoint]) -> None:
        self.on_point_dicts([asdict(p) for p in points])

    def on_point_dicts(self, points: list[dict[str, Any]], checked: bool = False) -> None:
        """Points as {"name", "step", "value"} dicts (the SDK builds these directly: no dataclass per point).

        checked=True: every value is a finite float or None and every name valid (the SDK checked them), so
        the points are cut into events by count alone, and neither measured nor scrubbed again.
        """
        if not checked:
            for chunk in split_points(points, self.limits):  # _event scrubs NaN once
                self._event("metrics", points=chunk)
            return
        size = checked_chunk(self.limits)
        for start in range(0, len(points), size):
            self._seq += 1
            self._put(event_item({"seq": self._seq, "type": "metrics", "points": points[start:start + size]}))

    def on_config(self, config: dict[str, Any]) -> None:
        """More config of a script's run (the SDK): merged into the run's config on the server."""
        self._event("config", config=config)

    def on_progress(self, progress: Progress) -> None:
        self._event("progress", **asdict(progress))
        if self.load is not None:
            points = self.load.points(progress.step)
            if points:
                self.on_metrics(points)

    def on_log(self, level: str, message: str) -> None:
        self._event("log", level=level, message=message)

    def on_end(self, summary: dict[str, Any]) -> None:
        self._event("summary", summary=summary)

    def on_artifact(self, name: str, payload: dict[str, Any]) -> None:
        clean = scrub_non_finite(payload)
        size = len(json.dumps(clean, separators=(",", ":")))
        self._put({"kind": "artifact", "name": name, "payload": clean, "size": size})

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
    @property
    def lease_lost(self) -> bool:
        """The server gave the run to someone else: this worker must not report its end."""
        return self._delivery.lease_lost

    @property
    def failure(self) -> str | None:
        """Why reports could not be delivered (the run must fail with this), or None."""
        return self._delivery.failure

    @property
    def pending(self) -> int:
        """Items not yet acknowledged by the backend."""
        return len(self._buffer)

    def close(self) -> None:
        """Deliver everything still buffered (waiting while the backend is away), then stop the sender."""
        self._delivery.close()

    def _event(self, type_: str, **fields: Any) -> None:
        self._seq += 1
        self._put(event_item({"seq": self._seq, "type": type_, **scrub_non_finite(fields)}))

    def _put(self, item: dict[str, Any]) -> None:
        self._buffer.put(item)
        self._delivery.wake()
