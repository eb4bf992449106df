"""Optional bearer token: when TRAINBOARD_TOKEN is set, API requests must carry it."""

from __future__ import annotations

import hmac

from fastapi import Depends, HTTPException, Request, status

from backend.deps import SettingsDep


def require_token(request: Request, settings: SettingsDep) -> None:
    """401 unless the request carries the token: `Authorization: Bearer <token>`, or `?token=` (EventSource
    cannot send headers). Does nothing when no token is configured."""
    if settings.token is None:
        return
    header = request.headers.get("authorization", "")
    given = header[7:] if header.lower().startswith("bearer ") else request.query_params.get("token", "")
    if not hmac.compare_digest(given.encode(), settings.token.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing or wrong API token", headers={"WWW-Authenticate": "Bearer"}
        )


TokenDep = Depends(require_token)
