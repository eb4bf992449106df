"""Request body size limit: a pure ASGI middleware that answers 413 before a handler sees an oversized body.

It checks the declared Content-Length first, then counts the bytes that actually arrive (a chunked
body declares none). Artifact uploads are left to their route, which has its own, larger limits
(TRAINBOARD_MAX_ARTIFACT_MB, TRAINBOARD_MAX_CHECKPOINT_MB) and reads the body as a stream.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from trainboard.common.jsonsafe import dumps_compact

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# PUT /api/runs/{id}/artifacts/{name}: limited by the upload route itself.
OWN_LIMIT_PATH = re.compile(r"^/api/runs/[^/]+/artifacts/[^/]+$")


def _too_large_message(size: int | None, limit: int) -> bytes:
    what = f"request body of {size} bytes" if size is not None else "request body"
    detail = f"{what} is over the {limit}-byte limit (TRAINBOARD_MAX_REQUEST_MB)"
    return dumps_compact({"detail": detail}).encode()


async def _send_413(send: Send, size: int | None, limit: int) -> None:
    body = _too_large_message(size, limit)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """Refuse HTTP request bodies over `max_bytes` with 413 (artifact uploads excepted)."""

    def __init__(self, app: AsgiApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"] == "PUT" and OWN_LIMIT_PATH.match(scope["path"])):
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _send_413(send, declared, self.max_bytes)
            return
        # Read the body here (a handler would read all of it anyway) and hand it on once it is known to fit.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away; the app sees the disconnect
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await _send_413(send, None, self.max_bytes)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(messages, receive), send)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive() that gives back the buffered messages, then defers to the real one (disconnects)."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
