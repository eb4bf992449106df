"""Optional bearer token: when TRAINBOARD_TOKEN is set, API requests must carry it.

The check is declared as an HTTP Bearer security scheme, so the OpenAPI document describes it and the
docs page's Authorize button sends it.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

bearer_scheme = HTTPBearer(auto_error=False, description="The server's TRAINBOARD_TOKEN")


def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
) -> None:
    """401 unless the request carries the token: `Authorization: Bearer <token>`, or `?token=` (EventSource
    cannot send headers). Does nothing when no token is configured."""
    token = request.app.state.settings.token
    if token is None:
        return
    given = credentials.credentials if credentials is not None else request.query_params.get("token", "")
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing or wrong API token", headers={"WWW-Authenticate": "Bearer"}
        )
