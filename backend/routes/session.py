"""The dashboard's sign-in: trade the API token for an HttpOnly session cookie, and sign out."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials

from trainboard.backend.auth import SESSION_COOKIE, bearer_scheme, is_authorized, session_value
from trainboard.backend.deps import SettingsDep
from trainboard.backend.errors import UnauthorizedError, error_responses
from trainboard.backend.schemas import SessionCreate, SessionPublic

router = APIRouter(prefix="/api/session", tags=["session"])

SESSION_MAX_AGE_S = 30 * 24 * 3600


@router.get("", response_model=SessionPublic)
def read_session(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> SessionPublic:
    """Whether this server needs a token, and whether this request is signed in (no token needed)."""
    return SessionPublic(token_required=settings.token is not None, signed_in=is_authorized(request, credentials))


@router.post("", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401))
def create_session(request: Request, response: Response, settings: SettingsDep, body: SessionCreate) -> Response:
    """Sign in with the API token: the answer sets the session cookie the dashboard uses from then on."""
    if settings.token is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)  # nothing to sign in to
    if not hmac.compare_digest(body.token.encode(), settings.token.encode()):
        raise UnauthorizedError("wrong API token")
    answer = Response(status_code=status.HTTP_204_NO_CONTENT)
    answer.set_cookie(
        SESSION_COOKIE, session_value(settings.token), max_age=SESSION_MAX_AGE_S, path="/",
        httponly=True, samesite="strict", secure=request.url.scheme == "https",
    )
    return answer


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
def delete_session() -> Response:
    """Sign out: the session cookie is removed."""
    answer = Response(status_code=status.HTTP_204_NO_CONTENT)
    answer.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return answer
