"""Which broker a database gets: LISTEN/NOTIFY across server processes on PostgreSQL, in-process otherwise."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from trainboard.backend.live.broker import EventBroker
from trainboard.backend.live.in_process import InProcessBroker


def broker_for(engine: Engine) -> EventBroker:
    """The broker for a database: LISTEN/NOTIFY across server processes on PostgreSQL, in-process otherwise."""
    if engine.dialect.name == "postgresql":
        from trainboard.backend.live.postgres import PostgresBroker  # imports psycopg, needed only with PostgreSQL

        return PostgresBroker(engine)
    return InProcessBroker()
