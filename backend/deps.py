"""Dependency aliases for what the app holds: settings, engine, event broker."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine

from backend.events import EventBroker
from backend.settings import Settings


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


def get_engine(request: Request) -> Engine:
    """The app's database engine (for streams that outlive a request-scoped session)."""
    return request.app.state.engine


def get_broker(request: Request) -> EventBroker:
    """The app's live event broker."""
    return request.app.state.broker


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
BrokerDep = Annotated[EventBroker, Depends(get_broker)]
