"""Find runs: the filters and the sort of GET /api/runs (and its export) as one SQL query on indexed columns."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import exists, func, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from trainboard.backend.db import seconds_between
from trainboard.backend.schemas import RunFilters
from trainboard.backend.tables import Run, RunTag


def _sort_key(name: str) -> Any:
    """The SQL expression a sort name orders by."""
    if name == "duration":
        return seconds_between(col(Run.started_at), col(Run.finished_at))
    return getattr(Run, name)


def _utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)  # the timestamp columns hold UTC


def _matches_text(q: str) -> ColumnElement[bool]:
    """Runs whose name, model, dataset, preset or one of its tags contains `q`, ignoring case."""
    needle = q.lower()
    in_tags = exists().where(col(RunTag.run_id) == col(Run.id), func.lower(RunTag.tag).contains(needle, autoescape=True))
    columns = (Run.name, Run.model, Run.dataset, Run.preset)
    return or_(*(func.lower(column).contains(needle, autoescape=True) for column in columns), in_tags)


def filter_conditions(filters: RunFilters) -> list[ColumnElement[bool]]:
    """The WHERE conditions of `filters`."""
    conditions: list[ColumnElement[bool]] = []
    if filters.status:
        conditions.append(col(Run.status) == filters.status)
    if filters.kind:
        conditions.append(col(Run.kind) == filters.kind)
    if filters.q and filters.q.strip():
        conditions.append(_matches_text(filters.q.strip()))
    for tag in dict.fromkeys(filters.tag):  # every tag: one indexed lookup each
        conditions.append(col(Run.id).in_(select(RunTag.run_id).where(col(RunTag.tag) == tag)))
    if filters.created_after is not None:
        conditions.append(col(Run.created_at) >= _utc(filters.created_after))
    if filters.created_before is not None:
        conditions.append(col(Run.created_at) < _utc(filters.created_before))
    if filters.preset is not None:
        conditions.append(col(Run.preset) == filters.preset)
    if filters.group is not None:
        conditions.append(col(Run.group_id) == filters.group)
    if filters.parent is not None:
        conditions.append(col(Run.parent_id) == filters.parent)
    return conditions


def ordering(sort: str) -> list[Any]:
    """ORDER BY for a sort name ('-' prefix: descending); runs without a value go last; newest first on ties."""
    descending = sort.startswith("-")
    key = _sort_key(sort.removeprefix("-"))
    first = key.desc() if descending else key.asc()
    return [first.nulls_last(), col(Run.id).desc()]


def search_runs(session: Session, filters: RunFilters, limit: int, offset: int) -> tuple[list[Run], int]:
    """A page of the runs `filters` selects, in its order, and how many it selects in all."""
    conditions = filter_conditions(filters)
    query = select(Run).where(*conditions).order_by(*ordering(filters.sort)).offset(offset).limit(limit)
    runs = session.exec(query).all()
    count = session.exec(select(func.count()).select_from(Run).where(*conditions)).one()
    return list(runs), count
