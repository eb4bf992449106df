"""Server-Sent Event streams: one run's events, and run-list changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from trainboard.backend.deps import BrokerDep, EngineDep, SettingsDep, TokenDep
from trainboard.backend.errors import error_responses
from trainboard.backend.field_types import MAX_DB_INT
from trainboard.backend.live.streams import run_event_stream, run_list_stream
from trainboard.backend.params import RunId
from trainboard.backend.services.runs import get_run

router = APIRouter(prefix="/api", tags=["events"], dependencies=[TokenDep], responses=error_responses(401))

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # no proxy buffering of the stream
SSE_RESPONSE = {200: {"content": {"text/event-stream": {}}, "description": "A Server-Sent Events stream"}}


@router.get(
    "/runs/{run_id}/events", response_class=StreamingResponse, responses={**SSE_RESPONSE, **error_responses(404)}
)
def stream_run_events(
    engine: EngineDep,
    broker: BrokerDep,
    settings: SettingsDep,
    run_id: RunId,
    last_event_id_header: Annotated[int | None, Header(alias="Last-Event-ID", ge=0, le=MAX_DB_INT)] = None,
    last_event_id: Annotated[int | None, Query(ge=0, le=MAX_DB_INT, description="Resume after this event id")] = None,
) -> StreamingResponse:
    """A run's events after Last-Event-ID (header or query): stored ones, then live ones, then `end`."""
    with Session(engine) as session:  # not a request-scoped session: it would stay open as long as the stream
        get_run(session, run_id)
    after = max(last_event_id_header or 0, last_event_id or 0)
    stream = run_event_stream(engine, broker, run_id, after, settings.sse_keepalive_s)
    return StreamingResponse(stream, media_type="text/event-stream", headers=SSE_HEADERS)


@router.get("/events", response_class=StreamingResponse, responses=SSE_RESPONSE)
def stream_run_list_events(broker: BrokerDep, settings: SettingsDep) -> StreamingResponse:
    """Run-list changes: `created`, `status`, `progress` (data: the run) and `deleted` (data: {id})."""
    stream = run_list_stream(broker, settings.sse_keepalive_s)
    return StreamingResponse(stream, media_type="text/event-stream", headers=SSE_HEADERS)
