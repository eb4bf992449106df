"""Requests that change something must come from this server's own pages or from a non-browser client.

A web page on another site can make the user's browser send "simple" requests to 127.0.0.1:8000 (a form
post, a `no-cors` fetch): they cannot set Content-Type: application/json, and browsers mark them with an
Origin (and Sec-Fetch-Site) naming the other site. So every mutation (POST, PUT, PATCH, DELETE under
/api) must declare a JSON body (or a checkpoint's application/octet-stream), and one that names an Origin
must name this server's own. Clients that are not browsers (curl, the CLI, workers) send no Origin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from trainboard.common.jsonsafe import dumps_compact

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
AsgiApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]

MUTATIONS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ALLOWED_TYPES = frozenset({"application/json", "application/octet-stream"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def refusal(scope: Scope) -> tuple[int, str] | None:
    """(status, reason) when a mutation must be refused, else None."""
    if scope["type"] != "http" or scope["method"] not in MUTATIONS or not scope["path"].startswith("/api/"):
        return None
    origin = _header(scope, b"origin")
    host = _header(scope, b"host") or ""
    if origin is not None and (origin == "null" or urlsplit(origin).netloc.lower() != host.lower()):
        return 403, f"cross-site request refused: Origin {origin} is not this server ({host})"
    if (_header(scope, b"sec-fetch-site") or "same-origin") == "cross-site":
        return 403, "cross-site request refused (Sec-Fetch-Site: cross-site)"
    content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
    if content_type not in ALLOWED_TYPES:
        shown = content_type or "none"
        return 415, f"a request that changes something must send Content-Type: application/json (got {shown})"
    return None


class CrossSiteGuard:
    """ASGI middleware answering 403/415 to mutations a foreign page could have made the browser send."""

    def __init__(self, app: AsgiApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        refused = refusal(scope)
        if refused is None:
            await self.app(scope, receive, send)
            return
        status, reason = refused
        body = dumps_compact({"detail": reason}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
