"""Database engine and sessions. The only place that knows the databases' quirks (pragmas, locks, text)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Float, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import create_engine

from trainboard.backend.migrations import migrate
from trainboard.common.jsonsafe import scrub_non_finite

SQLITE_BUSY_TIMEOUT_MS = 10_000  # writers queue behind each other instead of failing with "database is locked"
MIGRATION_LOCK_KEY = 0x7472_6169_6E62  # PostgreSQL advisory lock id ("trainb"): one process migrates at a time


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer (SSE replay during ingest)
    cursor.execute("PRAGMA foreign_keys=ON")  # deleting a run deletes its points, events and artifacts
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; an fsync per checkpoint, not per commit
    cursor.close()


def storable_text(value: str) -> str:
    """`value` with NUL characters and unpaired surrogates replaced by U+FFFD (the same object if it had none)."""
    # PostgreSQL text refuses NUL; an unpaired surrogate (JSON can carry one as an escape) is not valid UTF-8.
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            value = value.encode(errors="surrogatepass").decode(errors="replace")
    return value


def storable_json(value: Any) -> str:
    """JSON text for a JSON column: strict JSON (NaN and infinities as null) whose strings are storable."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except ValueError:  # a non-finite float somewhere (Python's json.loads accepts NaN); PostgreSQL refuses it
        text = json.dumps(scrub_non_finite(value), ensure_ascii=False, allow_nan=False)
    return storable_text(text)


def _unstorable(value: Any) -> bool:
    return isinstance(value, str) and ("\x00" in value or not value.isascii())


def _storable(parameters: Any) -> Any:
    """Statement parameters (a row, or a list of rows) with their strings made storable; unchanged rows are kept."""
    if isinstance(parameters, str):
        return storable_text(parameters)
    if isinstance(parameters, dict):
        if not any(_unstorable(value) for value in parameters.values()):
            return parameters  # the usual case, checked without copying
        return {key: storable_text(v) if isinstance(v, str) else v for key, v in parameters.items()}
    if isinstance(parameters, (list, tuple)):
        if not any(_unstorable(v) or isinstance(v, (dict, list, tuple)) for v in parameters):
            return parameters
        return type(parameters)(_storable(value) for value in parameters)
    return parameters


def _storable_parameters(
    _connection: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _executemany: bool
) -> tuple[str, Any]:
    return statement, _storable(parameters)


class seconds_between(FunctionElement[float]):  # noqa: N801  (reads as the SQL function it stands for)
    """SQL for the seconds from a start time to an end time (NULL when either is): seconds_between(start, end)."""

    type = Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_between_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


def make_engine(database_url: str) -> Engine:
    """An engine for `database_url`; SQLite files get WAL mode, foreign keys and a busy timeout.

    On every database, text and JSON parameters are made storable the same way (storable_text, storable_json).
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        engine = create_engine(database_url, pool_pre_ping=True, json_serializer=storable_json)
    else:
        if url.database and url.database != ":memory:":
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"check_same_thread": False, "timeout": 10}
        engine = create_engine(database_url, connect_args=connect_args, json_serializer=storable_json)
        event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "before_cursor_execute", _storable_parameters, retval=True)
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
