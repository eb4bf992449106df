"""Errors the services raise and how the API answers them. No answer ever carries a traceback."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from trainboard.backend.schemas import ErrorPublic

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error with an HTTP status and a message meant for the caller."""

    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class UnauthorizedError(ApiError):
    """A wrong API token where one was given on purpose (signing in)."""

    status_code = 401


class NotFoundError(ApiError):
    """No such run, worker or artifact."""

    status_code = 404


class ConflictError(ApiError):
    """The request does not fit the run's state (e.g. a worker that no longer holds the run)."""

    status_code = 409


class SeqGapError(ConflictError):
    """An ingest batch that does not continue the run's event sequence; `expected_seq` is where it must."""

    def __init__(self, detail: str, expected_seq: int) -> None:
        super().__init__(detail)
        self.expected_seq = expected_seq


class PayloadTooLargeError(ApiError):
    """An upload over the configured limit."""

    status_code = 413


class StorageFullError(ApiError):
    """The artifact directory's disk is full: nothing was stored."""

    status_code = 507


class StorageUnavailableError(ApiError):
    """The artifact directory cannot be written (read-only, missing, no permission): nothing was stored."""

    status_code = 503


ERROR_DESCRIPTIONS = {
    400: "The request body could not be parsed (for example, bytes that are not UTF-8)",
    401: "Missing or wrong API token (TRAINBOARD_TOKEN)",
    404: "No such run, worker or artifact",
    403: "A cross-site request (its Origin is not this server)",
    409: "The request does not fit the run's state (for ingest: `expected_seq` says where to continue)",
    413: "Request body over the size limit",
    415: "A request that changes something must send Content-Type: application/json",
    503: "The artifact storage cannot be written",
    507: "The artifact storage is full",
}


def error_responses(*status_codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for error statuses, each with the {"detail": message} body."""
    return {code: {"model": ErrorPublic, "description": ERROR_DESCRIPTIONS[code]} for code in status_codes}


def run_not_found(run_id: int) -> NotFoundError:
    """The standard 404 for an unknown run id."""
    return NotFoundError(f"run {run_id} not found")


def field_error(field: str, message: str, value: object = None) -> RequestValidationError:
    """A 422 naming one body field, in FastAPI's usual error shape."""
    return RequestValidationError([{"type": "value_error", "loc": ("body", field), "msg": message, "input": value}])


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    body: dict[str, Any] = {"detail": exc.detail}
    if isinstance(exc, SeqGapError):
        body["expected_seq"] = exc.expected_seq
    return JSONResponse(body, status_code=exc.status_code)


class AsciiJSONResponse(JSONResponse):
    """JSON with every non-ASCII character escaped: it can echo any input, even unpaired surrogates."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, allow_nan=False, separators=(",", ":")).encode("ascii")


ECHO_DEPTH = 8  # how deep an invalid input is echoed back in a 422; deeper parts become "..."


def echoable(value: Any, depth: int = ECHO_DEPTH) -> Any:
    """An invalid input as it can be echoed: non-finite floats as null, nesting cut at `depth`."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (dict, list, tuple)):
        if depth <= 0:
            return "..."
        if isinstance(value, dict):
            return {str(k): echoable(v, depth - 1) for k, v in value.items()}
        return [echoable(v, depth - 1) for v in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    # FastAPI's own handler echoes the input as it came, which fails (500) for an unpaired surrogate in UTF-8,
    # for NaN in strict JSON and for a deeply nested input in the encoder.
    assert isinstance(exc, RequestValidationError)
    errors = [{**error, "input": echoable(error.get("input"))} if "input" in error else error for error in exc.errors()]
    return AsciiJSONResponse({"detail": jsonable_encoder(echoable(errors, depth=ECHO_DEPTH + 4))}, status_code=422)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "internal server error; see the server log"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Answer ApiError subclasses with their status and message, 422s in ASCII JSON, anything else with a 500."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
