"""Schema versions: create_all for new tables plus an ordered list of additive migrations.

A fresh database gets the current schema from create_all and is stamped with the latest version.
An older database keeps its rows: create_all adds tables it lacks, then every migration newer than
its stamp runs once, in order. Migrations add columns, indexes and backfills; they never drop data
(an index made redundant by a new one may go).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import JSON, Column, Float, Integer, String, Text, inspect, text, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel, select

from trainboard.backend.tables import (
    RUN_LINEAGE_INDEXES,
    RUN_LIST_INDEXES,
    SERIES_INDEX,
    MetricPoint,
    Run,
    SchemaVersion,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    """One additive schema change, applied to databases stamped with an older version."""

    version: int
    description: str
    apply: Callable[[Connection], None]


def add_column(connection: Connection, table: str, column: Column) -> None:
    """ALTER TABLE ... ADD COLUMN, skipped when the column is already there. Portable across SQLite and PostgreSQL."""
    existing = {c["name"] for c in inspect(connection).get_columns(table)}
    if column.name in existing:
        return
    column_type = column.type.compile(dialect=connection.dialect)
    null = "" if column.nullable else " NOT NULL"
    default = f" DEFAULT {column.server_default.arg}" if column.server_default is not None else ""
    connection.execute(text(f'ALTER TABLE {table} ADD COLUMN "{column.name}" {column_type}{default}{null}'))


def _covering_series_index(connection: Connection) -> None:
    # Version 0 indexed metric points on (run_id, name, step) only; reads had to visit every row.
    index = next(i for i in MetricPoint.__table__.indexes if i.name == SERIES_INDEX)
    index.create(connection, checkfirst=True)
    connection.execute(text("DROP INDEX IF EXISTS ix_metric_point_run_name_step"))  # a prefix of the new one


def _lease_hash_column(connection: Connection) -> None:
    # Runs held when the server was upgraded keep running with no token: their next request is refused
    # (409) and the lease logic hands them to a worker that claims them with one.
    add_column(connection, "run", Column("lease_hash", String(64), nullable=True))


def _run_list_columns(connection: Connection) -> None:
    # Tags, note, and copies of what the runs list searches and sorts on (model, dataset, images/s) as real,
    # indexed columns; the copies of existing runs are filled from their config, summary and progress.
    add_column(connection, "run", Column("model", String(100), nullable=True))
    add_column(connection, "run", Column("dataset", String(100), nullable=True))
    add_column(connection, "run", Column("tags", JSON, nullable=False, server_default=text("'[]'")))
    add_column(connection, "run", Column("note", Text, nullable=False, server_default=text("''")))
    add_column(connection, "run", Column("images_per_s", Float, nullable=True))
    table = Run.__table__
    rows = connection.execute(select(table.c.id, table.c.config, table.c.summary, table.c.progress)).all()
    for run_id, config, summary, progress in rows:
        config = config if isinstance(config, dict) else {}
        connection.execute(
            update(table).where(table.c.id == run_id).values(
                model=_text_or_none(config.get("model")),
                dataset=_text_or_none(config.get("dataset")),
                images_per_s=_speed(summary) if _speed(summary) is not None else _speed(progress),
            )
        )
    for index in table.indexes:
        if index.name in RUN_LIST_INDEXES:
            index.create(connection, checkfirst=True)


def _run_lineage_columns(connection: Connection) -> None:
    # Seed groups and continued runs; existing runs belong to no group and continue nothing.
    add_column(connection, "run", Column("group_id", Integer, nullable=True))
    add_column(connection, "run", Column("parent_id", Integer, nullable=True))
    for index in Run.__table__.indexes:
        if index.name in RUN_LINEAGE_INDEXES:
            index.create(connection, checkfirst=True)


def _text_or_none(value: object) -> str | None:
    return str(value)[:100] if value is not None else None


def _speed(payload: object) -> float | None:
    value = payload.get("images_per_s") if isinstance(payload, dict) else None
    return float(value) if isinstance(value, (int, float)) else None


# Append only; never edit or reorder a released entry.
MIGRATIONS: list[Migration] = [
    Migration(1, "covering index for metric series reads", _covering_series_index),
    Migration(2, "lease token hash of the run's holder", _lease_hash_column),
    Migration(3, "run tags, notes, and indexed columns the runs list searches and sorts on", _run_list_columns),
    Migration(4, "seed groups and continued runs", _run_lineage_columns),
]


def migrate(engine: Engine, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the database at `engine` to the latest schema without losing rows; returns the version."""
    fresh = not inspect(engine).has_table(Run.__tablename__)
    SQLModel.metadata.create_all(engine)
    latest = max((m.version for m in migrations), default=0)
    with engine.begin() as connection:
        stamped = connection.execute(select(SchemaVersion.version)).scalar()
        if stamped is None:
            stamped = latest if fresh else 0
            connection.execute(SchemaVersion.__table__.insert().values(id=1, version=stamped))
        for migration in sorted(migrations, key=lambda m: m.version):
            if migration.version > stamped:
                log.info("applying schema migration %d: %s", migration.version, migration.description)
                migration.apply(connection)
        if latest > stamped:
            connection.execute(SchemaVersion.__table__.update().values(version=latest))
        return max(stamped, latest)
