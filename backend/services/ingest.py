"""Store a batch of worker events once: events with a seq at or below the run's last_seq are re-sends.

The new events must continue the run's sequence without a gap (last_seq + 1, + 2, ...): a batch that skips
a number is refused with 409 and the expected seq, so the worker re-sends from there; events can
therefore neither be lost nor be pre-empted by a forged high seq.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from trainboard.backend.errors import ConflictError, SeqGapError
from trainboard.backend.live.broker import EventBroker
from trainboard.backend.live.run_events import (
    Outbox,
    announce_progress,
    announce_status,
    append_event,
    append_log,
    commit_and_publish,
)
from trainboard.backend.services.holding import hold_run
from trainboard.backend.services.metrics import insert_points
from trainboard.backend.tables import Run
from trainboard.backend.worker_protocol import (
    ConfigEvent,
    IngestRequest,
    IngestResult,
    LogEvent,
    MetricPointIn,
    MetricsEvent,
    ProgressEvent,
    StartEvent,
    SummaryEvent,
    WorkerEvent,
)
from trainboard.common.jsonsafe import scrub_non_finite
from trainboard.common.run_kinds import EXTERNAL, SCRIPT


@dataclass
class _Batch:
    """The new events of one request, sorted out by kind."""

    start: StartEvent | None = None
    points: list[MetricPointIn] = field(default_factory=list)
    logs: list[LogEvent] = field(default_factory=list)
    progress: ProgressEvent | None = None  # only the latest counts
    summary: SummaryEvent | None = None
    config: dict[str, Any] = field(default_factory=dict)  # a script's config learnt late, merged in order


def _new_events(events: list[WorkerEvent], last_seq: int) -> list[WorkerEvent]:
    """Events after last_seq, in seq order, each seq once."""
    fresh: dict[int, WorkerEvent] = {}
    for event in events:
        if event.seq > last_seq and event.seq not in fresh:
            fresh[event.seq] = event
    return [fresh[seq] for seq in sorted(fresh)]


def _sort_out(events: list[WorkerEvent]) -> _Batch:
    batch = _Batch()
    for event in events:
        if isinstance(event, StartEvent):
            batch.start = event
        elif isinstance(event, MetricsEvent):
            batch.points.extend(event.points)
        elif isinstance(event, LogEvent):
            batch.logs.append(event)
        elif isinstance(event, ProgressEvent):
            batch.progress = event
        elif isinstance(event, SummaryEvent):
            batch.summary = event
        elif isinstance(event, ConfigEvent):
            batch.config.update(event.config)
    return batch


def _store_points(session: Session, run: Run, points: list[MetricPointIn], outbox: Outbox) -> None:
    """One `metrics` event for all points of the batch, and the points tagged with its id.

    Each point is stored once, as a metric_point row: the event's row keeps only the range of their ids, and
    the points go out live from memory (a replay reads them back: backend/live/stored_events.py).
    """
    assert run.id is not None
    data = {"points": [p.model_dump() for p in points]}
    stored = append_event(session, run, "metrics", data, outbox, stored={})
    assert stored.id is not None
    first_id, last_id = insert_points(session, run.id, stored.id, points)
    stored.data = {"point_ids": [first_id, last_id], "count": len(points)}
    session.add(stored)
    test_accs = [p.value for p in points if p.name == "test_acc" and p.value is not None]
    if test_accs:
        run.best_test_acc = max(test_accs + ([run.best_test_acc] if run.best_test_acc is not None else []))


def _check_contiguous(fresh: list[WorkerEvent], last_seq: int) -> None:
    """SeqGapError unless the new events are last_seq + 1, last_seq + 2, ... (already sorted, unique)."""
    expected = last_seq + 1
    for event in fresh:
        if event.seq != expected:
            raise SeqGapError(f"seq gap: the run has events up to {last_seq}, this batch continues at {event.seq}",
                              expected_seq=last_seq + 1)
        expected += 1


def ingest_batch(
    session: Session, broker: EventBroker, run_id: int, request: IngestRequest, lease_token: str | None
) -> IngestResult:
    """Store the new events of a batch from the worker holding the run and publish them."""
    run = hold_run(session, run_id, request.worker_id, lease_token)
    fresh = _new_events(request.events, run.last_seq)
    if fresh:
        try:
            _check_contiguous(fresh, run.last_seq)
        except SeqGapError:
            session.rollback()
            raise
    duplicates = len(request.events) - len(fresh)
    if not fresh:
        session.commit()  # the lease renewal
        return IngestResult(accepted=0, duplicates=duplicates, last_seq=run.last_seq)
    batch, outbox = _sort_out(fresh), Outbox()
    if batch.config and run.kind not in (EXTERNAL, SCRIPT):
        session.rollback()
        raise ConflictError(f"run {run_id} is a {run.kind} run: its config is the one it was launched with")
    run.last_seq = fresh[-1].seq
    if batch.config:
        run.config = {**run.config, **scrub_non_finite(batch.config)}
        if batch.start is None and batch.summary is None:
            announce_status(session, run, outbox)
    if batch.start is not None:
        run.info = scrub_non_finite(batch.start.info)
        device = run.info.get("device") if run.info else None
        run.device = str(device)[:100] if device else run.device
        announce_status(session, run, outbox)
    if batch.points:
        _store_points(session, run, batch.points, outbox)
    for line in batch.logs:
        append_log(session, run, line.level, line.message, outbox)
    if batch.progress is not None:
        run.progress = batch.progress.model_dump(exclude={"seq", "type"})
        if run.summary is None and batch.progress.images_per_s is not None:  # the summary's figure wins
            run.images_per_s = batch.progress.images_per_s
        append_event(session, run, "progress", run.progress, outbox)
        announce_progress(run, outbox)
    if batch.summary is not None:
        run.summary = scrub_non_finite(batch.summary.summary)
        speed = run.summary.get("images_per_s") if isinstance(run.summary, dict) else None
        run.images_per_s = float(speed) if isinstance(speed, (int, float)) else run.images_per_s
        announce_status(session, run, outbox)
    session.add(run)
    commit_and_publish(session, broker, outbox)
    return IngestResult(accepted=len(fresh), duplicates=duplicates, last_seq=run.last_seq)
