"""Every FastAPI dependency the routes use: settings, engine, session, event broker, the token check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from trainboard.backend.auth import require_token
from trainboard.backend.live.broker import EventBroker
from trainboard.backend.settings import Settings


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


def get_engine(request: Request) -> Engine:
    """The app's database engine (for streams that outlive a request-scoped session)."""
    return request.app.state.engine


def get_session(request: Request) -> Iterator[Session]:
    """One session per request on the app's engine."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


def get_broker(request: Request) -> EventBroker:
    """The app's live event broker."""
    return request.app.state.broker


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]
BrokerDep = Annotated[EventBroker, Depends(get_broker)]
TokenDep = Depends(require_token)  # for a router's `dependencies=[...]`
