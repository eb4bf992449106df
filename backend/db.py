"""Database engine and sessions. The only place that knows SQLite needs pragmas and PostgreSQL a migration lock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from backend.migrations import migrate

SQLITE_BUSY_TIMEOUT_MS = 10_000  # writers queue behind each other instead of failing with "database is locked"
MIGRATION_LOCK_KEY = 0x7472_6169_6E62  # PostgreSQL advisory lock id ("trainb"): one process migrates at a time


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer (SSE replay during ingest)
    cursor.execute("PRAGMA foreign_keys=ON")  # deleting a run deletes its points, events and artifacts
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; an fsync per checkpoint, not per commit
    cursor.close()


def make_engine(database_url: str) -> Engine:
    """An engine for `database_url`; SQLite files get WAL mode, foreign keys and a busy timeout."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(database_url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(database_url, connect_args={"check_same_thread": False, "timeout": 10})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def init_db(engine: Engine) -> int:
    """Create missing tables and apply pending migrations; returns the schema version.

    On PostgreSQL, backend replicas starting together take turns (an advisory lock), so no two of them
    create the same table at once; SQLite's write lock already serializes them.
    """
    if engine.dialect.name != "postgresql":
        return migrate(engine)
    with engine.connect() as lock_connection:
        lock_connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        try:
            return migrate(engine)
        finally:
            lock_connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            lock_connection.commit()


def get_session(request: Request) -> Iterator[Session]:
    """One session per request on the app's engine."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
