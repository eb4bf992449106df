"""A small client of the REST API and its event streams, for the CLI commands that talk to a running server."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from trainboard.common.retry import Backoff, describe_failure, is_retryable

TIMEOUT_S = 10.0
STREAM_READ_TIMEOUT_S = 60.0  # the server sends a keep-alive every 15 s, so a silent minute is a dead stream
RECONNECTS = 5  # reconnects of a dropped stream in a row (with growing waits) before it gives up


class ApiError(Exception):
    """The server refused a request or could not be reached; the message is one line for the user."""

    def __init__(self, message: str, status: int | None = None, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors or []  # a 422's field errors, 'loc' without its 'body'/'query'/'path' part


@dataclass(frozen=True)
class ServerEvent:
    """One Server-Sent Event: its name, its JSON data and its id (None for events without one)."""

    event: str
    data: Any
    id: int | None


def api_error(response: httpx.Response) -> ApiError:
    """The error of a refused request: each bad field of a 422 ('epochs: Input should be ...'), else the detail."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, list):  # FastAPI's validation errors
        errors = [
            {**error, "loc": [part for part in error.get("loc", ()) if part not in ("body", "query", "path")]}
            for error in detail if isinstance(error, dict)
        ]
        parts = []
        for error in errors:
            message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
            parts.append(f"{'.'.join(map(str, error['loc']))}: {message}" if error["loc"] else message)
        return ApiError("; ".join(parts), response.status_code, errors)
    return ApiError(str(detail) if detail else f"HTTP {response.status_code}", response.status_code)


def parse_sse(lines: Iterator[str], comments: list[str] | None = None) -> Iterator[ServerEvent]:
    """Server-Sent Events from the lines of a stream (data lines joined by newlines).

    Comment lines (keep-alives) are skipped, or appended to `comments` when it is given.
    """
    event, data, event_id = "message", [], None
    for line in lines:
        if not line:
            if data:
                yield ServerEvent(event, json.loads("\n".join(data)), event_id)
            event, data, event_id = "message", [], None
            continue
        if line.startswith(":"):
            if comments is not None:
                comments.append(line)
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            event = value
        elif field == "data":
            data.append(value)
        elif field == "id" and value.isdigit():
            event_id = int(value)


class RestClient:
    """Calls the API of the server at `server` (with the bearer `token` when there is one)."""

    def __init__(self, server: str, token: str | None = None) -> None:
        self.server = server.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.server, headers=headers, timeout=TIMEOUT_S)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RestClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ApiError(f"cannot reach {self.server}: {exc or type(exc).__name__}") from None
        if response.is_error:
            raise api_error(response)
        return response.json()

    def create_run(self, body: dict[str, Any]) -> dict[str, Any]:
        """Queue a run: an optional `preset` plus config fields."""
        return self._request("POST", "/api/runs", json=body)

    def create_group(self, body: dict[str, Any]) -> dict[str, Any]:
        """Queue a seed group: a create body plus `seeds`; answers {data: runs, count}."""
        return self._request("POST", "/api/groups", json=body)

    def continue_run(self, run_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Queue a run that continues `run_id` from its last checkpoint with `changes`."""
        return self._request("POST", f"/api/runs/{run_id}/continue", json=changes)

    def create_sweep(self, body: dict[str, Any]) -> dict[str, Any]:
        """Start a sweep (POST /api/sweeps)."""
        return self._request("POST", "/api/sweeps", json=body)

    def get_sweep(self, sweep_id: int) -> dict[str, Any]:
        """A sweep with its trials and the best so far."""
        return self._request("GET", f"/api/sweeps/{sweep_id}")

    def list_runs(
        self, status: str | None = None, kind: str | None = None, limit: int = 20, **filters: Any
    ) -> dict[str, Any]:
        """Runs (`data`) and how many match (`count`); `filters` are GET /api/runs's (q, tag, sort, ...)."""
        params: dict[str, Any] = {"limit": limit}
        if status:
            params["status"] = status
        if kind:
            params["kind"] = kind
        params.update({key: value for key, value in filters.items() if value not in (None, "", [])})
        return self._request("GET", "/api/runs", params=params)

    def get_run(self, run_id: int) -> dict[str, Any]:
        return self._request("GET", f"/api/runs/{run_id}")

    def cancel_run(self, run_id: int) -> dict[str, Any]:
        return self._request("POST", f"/api/runs/{run_id}/cancel", headers={"Content-Type": "application/json"})

    def update_run(self, run_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Change a run's name, tags or note (PATCH /api/runs/{id})."""
        return self._request("PATCH", f"/api/runs/{run_id}", json=changes)

    def run_events(self, run_id: int, last_event_id: int | None = None) -> Iterator[ServerEvent]:
        """The run's events after `last_event_id` (all when None), then live ones, up to and including `end`.

        A dropped connection is opened again from the last event id seen, a few times with growing waits.
        """
        backoff, failures = Backoff(first_s=0.5), 0
        while True:
            params = {} if last_event_id is None else {"last_event_id": last_event_id}
            timeout = httpx.Timeout(TIMEOUT_S, read=STREAM_READ_TIMEOUT_S)
            failure: BaseException | None = None
            try:
                with self._http.stream("GET", f"/api/runs/{run_id}/events", params=params, timeout=timeout) as response:
                    if response.is_error:
                        response.read()
                        failure = httpx.HTTPStatusError("refused", request=response.request, response=response)
                        if not is_retryable(failure):
                            raise api_error(response)
                    for server_event in parse_sse(response.iter_lines()) if failure is None else ():
                        failures = 0
                        backoff.reset()
                        if server_event.id is not None:
                            last_event_id = server_event.id
                        yield server_event
                        if server_event.event == "end":
                            return
            except httpx.TransportError as exc:
                failure = exc
            problem = describe_failure(failure) if failure is not None else "the server closed it"
            if failures >= RECONNECTS:  # closed or broken before `end`, again and again
                raise ApiError(f"lost the event stream of run {run_id} at {self.server}: {problem}")
            time.sleep(backoff.delay(failure))
            failures += 1
