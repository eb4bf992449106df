"""Small helpers the backend tests share: playing a worker over HTTP and reading SSE streams."""

from __future__ import annotations

import io
import pickle
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from trainboard.cli.rest_client import ServerEvent, parse_sse

SseEvent = ServerEvent  # the CLI's parser, so the tests read streams as the product does
JSON = {"Content-Type": "application/json"}  # mutations without a body must declare JSON too
_leases: dict[tuple[int, int], str] = {}  # (run id, worker id) -> the lease token its claim answered


def lease_headers(run_id: int, worker_id: int) -> dict[str, str]:
    """The headers a worker sends about a run it claimed: JSON, and the claim's lease token."""
    token = _leases.get((run_id, worker_id))
    return {**JSON, "X-Lease-Token": token} if token else dict(JSON)


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
    response = client.post(f"/api/workers/{worker_id}/claim", headers=JSON)
    if response.status_code == 204:
        return None
    assert response.status_code == 200, response.text
    run = response.json()["run"]
    _leases[(run["id"], worker_id)] = run["lease_token"]
    return run


def metrics_event(seq: int, steps: range, name: str = "loss") -> dict[str, Any]:
    """A `metrics` worker event with one point per step (value = 1 / step)."""
    return {"seq": seq, "type": "metrics", "points": [{"name": name, "step": s, "value": 1.0 / s} for s in steps]}


def ingest(client: httpx.Client, run_id: int, worker_id: int, events: list[dict[str, Any]]) -> dict[str, Any]:
    """POST a batch of events; returns the answer (asserting 200)."""
    response = client.post(
        f"/api/runs/{run_id}/ingest", json={"worker_id": worker_id, "events": events},
        headers=lease_headers(run_id, worker_id),
    )
    assert response.status_code == 200, response.text
    return response.json()


def finish(
    client: httpx.Client, run_id: int, worker_id: int, status: str = "succeeded", **fields: Any
) -> dict[str, Any]:
    """Finish a run as its worker."""
    response = client.post(
        f"/api/runs/{run_id}/finish", json={"worker_id": worker_id, "status": status, **fields},
        headers=lease_headers(run_id, worker_id),
    )
    assert response.status_code == 200, response.text
    return response.json()


def checkpoint_bytes(marker: str = "weights", epoch: int = 1, step: int = 10) -> bytes:
    """A file in torch.save's layout holding a checkpoint's keys (plain values instead of tensors)."""
    payload = {"format": 1, "model": {"marker": marker}, "optimizer": {}, "epoch": epoch, "global_step": step}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:  # fixed dates: the same arguments give the same bytes
        archive.writestr(zipfile.ZipInfo("checkpoint/data.pkl", (2024, 1, 1, 0, 0, 0)), pickle.dumps(payload, protocol=2))
        archive.writestr(zipfile.ZipInfo("checkpoint/version", (2024, 1, 1, 0, 0, 0)), "3\n")
    return out.getvalue()


def upload(
    client: httpx.Client, run_id: int, worker_id: int, name: str, *, json: Any = None, content: bytes | None = None,
    **params: Any,
) -> httpx.Response:
    """PUT an artifact as the run's holder: a JSON payload, or raw bytes (a checkpoint)."""
    headers = lease_headers(run_id, worker_id)
    if content is not None:
        headers["Content-Type"] = "application/octet-stream" if name == "checkpoint" else "application/json"
    return client.put(
        f"/api/runs/{run_id}/artifacts/{name}", params={"worker_id": worker_id, **params}, json=json, content=content,
        headers=headers,
    )
