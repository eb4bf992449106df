"""One reconciler at a time per sweep: a PostgreSQL advisory lock across server processes, a thread lock
within one process (a SQLite database has one server process)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from sqlalchemy import text
from sqlalchemy.engine import Engine

_ADVISORY_NAMESPACE = 0x5357  # "SW": keeps these keys apart from any other advisory lock user
_thread_locks: dict[int, threading.Lock] = {}
_guard = threading.Lock()


@contextlib.contextmanager
def sweep_lock(engine: Engine, sweep_id: int) -> Iterator[bool]:
    """Hold the sweep's lock if it is free; yields False (and holds nothing) when another holder has it."""
    with _guard:
        local = _thread_locks.setdefault(sweep_id, threading.Lock())
    if not local.acquire(blocking=False):
        yield False
        return
    try:
        if engine.dialect.name != "postgresql":
            yield True
            return
        with engine.connect() as connection:
            key = {"ns": _ADVISORY_NAMESPACE, "id": sweep_id}
            got = connection.execute(text("SELECT pg_try_advisory_lock(:ns, :id)"), key).scalar()
            try:
                yield bool(got)
            finally:
                if got:
                    connection.execute(text("SELECT pg_advisory_unlock(:ns, :id)"), key)
                connection.commit()
    finally:
        local.release()
