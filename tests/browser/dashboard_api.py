"""Small REST calls the browser tests make around the pages: create runs, wait for a status."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.backend.backend_api import JSON

FINISHED = ("succeeded", "failed", "cancelled", "diverged", "pruned", "crashed")


def create_run(url: str, **fields: Any) -> dict[str, Any]:
    """POST /api/runs with flat config fields; the created run."""
    response = httpx.post(f"{url}/api/runs", json=fields, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def create_runs(url: str, count: int, **fields: Any) -> list[int]:
    """POST /api/runs `count` times over one connection (runs named "run 0", "run 1", ...); their ids."""
    ids = []
    with httpx.Client(base_url=url, timeout=10, headers=JSON) as client:
        for i in range(count):
            response = client.post("/api/runs", json={"name": f"run {i}", **fields})
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
    return ids


def get_run(url: str, run_id: int) -> dict[str, Any]:
    """GET /api/runs/{id}."""
    response = httpx.get(f"{url}/api/runs/{run_id}", timeout=10)
    response.raise_for_status()
    return response.json()


def wait_for_status(url: str, run_id: int, statuses: tuple[str, ...] = FINISHED, timeout_s: float = 60) -> dict[str, Any]:
    """Poll the run until its status is one of `statuses`; the run."""
    deadline = time.monotonic() + timeout_s
    run = get_run(url, run_id)
    while run["status"] not in statuses:
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} still {run['status']} after {timeout_s} s")
        time.sleep(0.2)
        run = get_run(url, run_id)
    return run


def cancel_run(url: str, run_id: int) -> None:
    """POST /api/runs/{id}/cancel (a finished run answers an error, which is fine here)."""
    httpx.post(f"{url}/api/runs/{run_id}/cancel", headers=JSON, timeout=10)
