"""Optional API token: when TRAINBOARD_TOKEN is set, API requests must carry it.

Two ways to carry it, never in a URL (URLs end up in access logs and browser history):
- `Authorization: Bearer <token>`, for scripts, the CLI and workers; declared as an HTTP Bearer security
  scheme, so the OpenAPI document describes it and the docs page's Authorize button sends it;
- a session cookie for the dashboard, set by POST /api/session with the token (HttpOnly, so page scripts
  cannot read it; SameSite=Strict, so other sites' pages cannot send it).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

SESSION_COOKIE = "trainboard_session"
bearer_scheme = HTTPBearer(auto_error=False, description="The server's TRAINBOARD_TOKEN")


def session_value(token: str) -> str:
    """The cookie value that stands for `token`: changing the token ends every session."""
    return hmac.new(token.encode(), b"trainboard session v1", hashlib.sha256).hexdigest()


def is_authorized(request: Request, credentials: HTTPAuthorizationCredentials | None) -> bool:
    """True when no token is configured, or the request carries it as a bearer token or a session cookie."""
    token = request.app.state.settings.token
    if token is None:
        return True
    if credentials is not None:
        return hmac.compare_digest(credentials.credentials.encode(), token.encode())
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return hmac.compare_digest(cookie.encode(), session_value(token).encode())


def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
) -> None:
    """401 unless the request is authorized (see is_authorized)."""
    if not is_authorized(request, credentials):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing or wrong API token", headers={"WWW-Authenticate": "Bearer"}
        )
