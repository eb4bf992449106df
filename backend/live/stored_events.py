"""Stored run events as a stream sends them: a metrics event's row keeps only the id range of its points (each
point is stored once, in metric_point), so reading one puts its points back, in the order they came.

Rows written before points were stored once still hold their points and are passed on as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from trainboard.backend.live.broker import LiveEvent
from trainboard.backend.tables import MetricPoint, RunEvent


def _point_ranges(rows: Sequence[RunEvent]) -> dict[int, tuple[int, int]]:
    """event id -> (first point id, last point id) of the metrics rows that keep a range."""
    ranges = {}
    for row in rows:
        ids = row.data.get("point_ids") if row.event == "metrics" else None
        if isinstance(ids, list) and len(ids) == 2 and row.id is not None:
            ranges[row.id] = (int(ids[0]), int(ids[1]))
    return ranges


def _points_of(session: Session, run_id: int, ranges: dict[int, tuple[int, int]]) -> dict[int, list[dict[str, Any]]]:
    """The stored points of those events, by event id, in id order (one primary-key range read)."""
    points: dict[int, list[dict[str, Any]]] = {event_id: [] for event_id in ranges}
    if not ranges:
        return points
    low = min(first for first, _ in ranges.values())
    high = max(last for _, last in ranges.values())
    query = (
        select(MetricPoint.event_id, MetricPoint.name, MetricPoint.step, MetricPoint.value)
        .where(col(MetricPoint.id).between(low, high), MetricPoint.run_id == run_id,
               col(MetricPoint.event_id).in_(list(ranges)))
        .order_by(col(MetricPoint.id))
    )
    for event_id, name, step, value in session.exec(query):
        points[event_id].append({"name": name, "step": step, "value": value})
    return points


def live_events(session: Session, run_id: int, rows: Sequence[RunEvent]) -> list[LiveEvent]:
    """The rows of one run as the events its stream sends, metrics events with their points."""
    points = _points_of(session, run_id, _point_ranges(rows))
    return [
        LiveEvent(row.event, {"points": points[row.id]} if row.id in points else row.data, row.id)
        for row in rows
    ]
