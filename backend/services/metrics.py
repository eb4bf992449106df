"""Metric points: bulk storage, reads (optionally downsampled), CSV export, and rewinds after a re-claim."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from sqlalchemy import delete, func, insert, or_
from sqlmodel import Session, col, select

from trainboard.backend.schemas import MetricsPublic, SeriesPublic
from trainboard.backend.services.downsample import downsample_min_max
from trainboard.backend.services.runs import get_run
from trainboard.backend.tables import MetricPoint
from trainboard.backend.worker_protocol import MetricPointIn

# x = epoch for these (see worker/trainer/sink.py); every other series has x = global step or LR-finder iteration.
EPOCH_SERIES = ("train_loss", "train_acc", "test_loss", "test_acc")


# PostgreSQL's COPY takes the rows as one stream: several times faster than any INSERT for a batch of points.
_COPY_POINTS = f"COPY {MetricPoint.__tablename__} (run_id, event_id, name, step, value) FROM STDIN"
_SEQUENCE = f"pg_get_serial_sequence('{MetricPoint.__tablename__}', 'id')"


def insert_points(session: Session, run_id: int, event_id: int, points: Sequence[MetricPointIn]) -> tuple[int, int]:
    """Store points in bulk inside the session's transaction (COPY on PostgreSQL, one executemany elsewhere);
    returns the lowest and highest id given to them, which bound where the event's points are (see
    backend/live/stored_events.py). Raises ValueError for no points.
    """
    if not points:
        raise ValueError("no points to store")
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # The rows take ids from the sequence after `before` and up to its value for this session after the COPY;
        # other sessions' rows may fall in between, which a reader tells apart by event_id.
        with connection.connection.driver_connection.cursor() as cursor:
            before = cursor.execute(f"SELECT nextval({_SEQUENCE})").fetchone()[0]
            with cursor.copy(_COPY_POINTS) as copy:
                for p in points:
                    copy.write_row((run_id, event_id, p.name, p.step, p.value))
            last = cursor.execute(f"SELECT currval({_SEQUENCE})").fetchone()[0]
        return before + 1, last
    # SQLite has one writer at a time, and this transaction already wrote: no other can take these ids.
    first = (session.exec(select(func.max(MetricPoint.id))).one() or 0) + 1
    rows = [
        {"id": first + i, "run_id": run_id, "event_id": event_id, "name": p.name, "step": p.step, "value": p.value}
        for i, p in enumerate(points)
    ]
    connection.execute(insert(MetricPoint), rows)
    return first, first + len(points) - 1


def drop_points_after(session: Session, run_id: int, epoch: int, step: int) -> int:
    """Delete epoch-x points with x > epoch and all other points with x > step; returns how many went."""
    result = session.exec(
        delete(MetricPoint)
        .where(
            col(MetricPoint.run_id) == run_id,
            or_(
                col(MetricPoint.name).in_(EPOCH_SERIES) & (col(MetricPoint.step) > epoch),
                col(MetricPoint.name).not_in(EPOCH_SERIES) & (col(MetricPoint.step) > step),
            ),
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def best_test_accuracy(session: Session, run_id: int) -> float | None:
    """The highest stored test_acc of a run."""
    query = select(func.max(MetricPoint.value)).where(MetricPoint.run_id == run_id, MetricPoint.name == "test_acc")
    return session.exec(query).one()


def _series_names(session: Session, run_id: int, last_event_id: int) -> list[str]:
    query = (
        select(MetricPoint.name)
        .where(MetricPoint.run_id == run_id, MetricPoint.event_id <= last_event_id)
        .distinct()
        .order_by(MetricPoint.name)
    )
    return list(session.exec(query))


def read_metrics(
    session: Session, run_id: int, names: list[str] | None, since: int | None, max_points: int | None
) -> MetricsPublic:
    """Series of a run (all, or `names`), points with x > since, each thinned to max_points.

    Only points carried by events up to the run's last_event_id are returned, read before the points:
    a client that subscribes to the event stream from that id then misses and duplicates nothing.
    Every requested name is answered, empty when it has no points (yet).
    """
    run = get_run(session, run_id)
    last_event_id = run.last_event_id
    connection = session.connection()
    series = {}
    for name in names or _series_names(session, run_id, last_event_id):
        # One index-only scan per series (see the covering index on MetricPoint); plain Core rows, no ORM objects.
        query = select(MetricPoint.step, MetricPoint.value).where(
            MetricPoint.run_id == run_id, MetricPoint.name == name, MetricPoint.event_id <= last_event_id
        )
        if since is not None:
            query = query.where(MetricPoint.step > since)
        rows = connection.execute(query.order_by(MetricPoint.step)).all()
        steps = [row[0] for row in rows]
        values = [row[1] for row in rows]
        if max_points is not None:
            steps, values = downsample_min_max(steps, values, max_points)
        series[name] = SeriesPublic.model_construct(name=name, steps=steps, values=values, total=len(rows))
    return MetricsPublic(run_id=run_id, last_event_id=last_event_id, series=series)


def metrics_csv(metrics: MetricsPublic) -> str:
    """The series as CSV: one row per point, columns name, step, value (empty for non-finite)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "step", "value"])
    for series in metrics.series.values():
        for step, value in zip(series.steps, series.values, strict=True):
            writer.writerow([series.name, step, "" if value is None else repr(value)])
    return out.getvalue()
