"""Small helpers the backend tests share: playing a worker over HTTP and reading SSE streams."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx

from trainboard.cli.rest_client import ServerEvent, parse_sse

SseEvent = ServerEvent  # the CLI's parser, so the tests read streams as the product does


def iter_sse(response: httpx.Response, comments: list[str] | None = None) -> Iterator[SseEvent]:
    """Parse a text/event-stream response into events; comment lines go to `comments` when given."""
    return parse_sse(response.iter_lines(), comments)


def read_until(events: Iterator[SseEvent], stop: Callable[[SseEvent], bool], into: list[SseEvent]) -> None:
    """Append events to `into` up to and including the first one `stop` accepts."""
    for sse in events:
        into.append(sse)
        if stop(sse):
            return
    raise AssertionError("stream ended early")


def create_run(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    """POST /api/runs with a small synthetic config unless fields say otherwise."""
    body = {"dataset": "synthetic", "epochs": 1, **fields}
    response = client.post("/api/runs", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def register(client: httpx.Client, name: str = "w") -> int:
    """Register a worker; returns its id."""
    response = client.post("/api/workers/register", json={"name": name, "device": "cpu", "capabilities": {}})
    assert response.status_code == 200, response.text
    return response.json()["id"]


def claim(client: httpx.Client, worker_id: int) -> dict[str, Any] | None:
    """Claim a run; None when the queue is empty."""
    response = client.post(f"/api/workers/{worker_id}/claim")
    if response.status_code == 204:
        return None
    assert response.status_code == 200, response.text
    return response.json()["run"]


def metrics_event(seq: int, steps: range, name: str = "loss") -> dict[str, Any]:
    """A `metrics` worker event with one point per step (value = 1 / step)."""
    return {"seq": seq, "type": "metrics", "points": [{"name": name, "step": s, "value": 1.0 / s} for s in steps]}


def ingest(client: httpx.Client, run_id: int, worker_id: int, events: list[dict[str, Any]]) -> dict[str, Any]:
    """POST a batch of events; returns the answer (asserting 200)."""
    response = client.post(f"/api/runs/{run_id}/ingest", json={"worker_id": worker_id, "events": events})
    assert response.status_code == 200, response.text
    return response.json()


def finish(
    client: httpx.Client, run_id: int, worker_id: int, status: str = "succeeded", **fields: Any
) -> dict[str, Any]:
    """Finish a run as its worker."""
    response = client.post(f"/api/runs/{run_id}/finish", json={"worker_id": worker_id, "status": status, **fields})
    assert response.status_code == 200, response.text
    return response.json()
