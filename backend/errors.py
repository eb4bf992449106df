"""Errors the services raise and how the API answers them. No answer ever carries a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error with an HTTP status and a message meant for the caller."""

    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(ApiError):
    """No such run, worker or artifact."""

    status_code = 404


class ConflictError(ApiError):
    """The request does not fit the run's state (e.g. a worker that no longer holds the run)."""

    status_code = 409


class PayloadTooLargeError(ApiError):
    """An upload over the configured limit."""

    status_code = 413


def run_not_found(run_id: int) -> NotFoundError:
    """The standard 404 for an unknown run id."""
    return NotFoundError(f"run {run_id} not found")


def field_error(field: str, message: str, value: object = None) -> RequestValidationError:
    """A 422 naming one body field, in FastAPI's usual error shape."""
    return RequestValidationError([{"type": "value_error", "loc": ("body", field), "msg": message, "input": value}])


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "internal server error; see the server log"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Answer ApiError subclasses with their status and message, anything else with a plain 500."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(Exception, _unexpected_error)
