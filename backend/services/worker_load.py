"""A worker's live load: the latest value of each `system/...` series of the run it holds."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from trainboard.backend.tables import MetricPoint

SYSTEM_PREFIX = "system/"


def latest_load(session: Session, run_id: int) -> dict[str, float]:
    """{series name: its latest finite value} for each system/... series of the run."""
    last_steps = (
        select(MetricPoint.name, func.max(MetricPoint.step).label("step"))
        .where(
            MetricPoint.run_id == run_id, col(MetricPoint.name).startswith(SYSTEM_PREFIX),
            col(MetricPoint.value).is_not(None),  # stored null: a non-finite value
        )
        .group_by(MetricPoint.name)
        .subquery()
    )
    rows = session.exec(
        select(MetricPoint.name, MetricPoint.value)
        .join(last_steps, (MetricPoint.name == last_steps.c.name) & (MetricPoint.step == last_steps.c.step))
        .where(MetricPoint.run_id == run_id)
        .order_by(col(MetricPoint.id))
    ).all()
    return {name: value for name, value in rows if value is not None}  # (a null at the same step as a value)
