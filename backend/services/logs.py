"""A run's log: the stored `log` events, oldest first."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from trainboard.backend.schemas import LogLine, LogsPublic
from trainboard.backend.tables import RunEvent


def list_logs(session: Session, run_id: int, limit: int, offset: int) -> LogsPublic:
    """Log lines of a run, oldest first."""
    is_log = (RunEvent.run_id == run_id) & (RunEvent.event == "log")
    rows = session.exec(select(RunEvent).where(is_log).order_by(RunEvent.id).offset(offset).limit(limit)).all()
    count = session.exec(select(func.count()).select_from(RunEvent).where(is_log)).one()
    lines = [
        LogLine(time=r.created_at, level=r.data.get("level", "info"), message=r.data.get("message", "")) for r in rows
    ]
    return LogsPublic(data=lines, count=count)
