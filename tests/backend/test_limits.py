"""Limits: request body size, events per batch, page sizes, numbers a column can hold, text a column can hold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from backend_api import JSON, claim, create_run, ingest, lease_headers, register, upload
from backend_fixtures import make_settings
from fastapi.testclient import TestClient

from trainboard.backend.app import create_app
from trainboard.backend.field_types import MAX_DB_INT
from trainboard.backend.worker_protocol import MAX_EVENTS_PER_BATCH

BODY_LIMIT = 4096  # bytes, for these tests; the default is 16 MiB


@pytest.fixture
def small(tmp_path: Path) -> Iterator[TestClient]:
    """A client of an app that takes request bodies up to BODY_LIMIT bytes and JSON artifacts up to 64 KiB."""
    settings = make_settings(tmp_path, max_request_bytes=BODY_LIMIT, max_artifact_bytes=65_536)
    with TestClient(create_app(settings), headers=JSON) as client:
        yield client


def _run_body(size: int) -> bytes:
    """A valid POST /api/runs body of exactly `size` bytes (trailing whitespace pads it)."""
    body = json.dumps({"dataset": "synthetic"}).encode()
    return body + b" " * (size - len(body))


def test_a_body_over_the_limit_is_refused_by_its_declared_length(small: TestClient) -> None:
    answer = small.post("/api/runs", content=_run_body(BODY_LIMIT + 1), headers={"content-type": "application/json"})
    assert answer.status_code == 413
    limit = f"request body of {BODY_LIMIT + 1} bytes is over the {BODY_LIMIT}-byte limit (TRAINBOARD_MAX_REQUEST_MB)"
    assert answer.json()["detail"] == limit
    assert small.get("/api/runs").json()["count"] == 0


def test_a_chunked_body_is_counted_as_it_arrives(small: TestClient) -> None:
    body = _run_body(BODY_LIMIT + 100)
    chunks = (body[i : i + 1000] for i in range(0, len(body), 1000))  # no Content-Length: chunked
    answer = small.post("/api/runs", content=chunks, headers={"content-type": "application/json"})
    assert answer.status_code == 413 and "over the 4096-byte limit" in answer.json()["detail"]
    assert small.get("/api/runs").json()["count"] == 0


def test_a_body_at_the_limit_is_accepted_chunked_or_not(small: TestClient) -> None:
    body = _run_body(BODY_LIMIT)
    headers = {"content-type": "application/json"}
    assert small.post("/api/runs", content=body, headers=headers).status_code == 201
    assert small.post("/api/runs", content=iter([body[:100], body[100:]]), headers=headers).status_code == 201


def test_artifact_uploads_have_their_own_larger_limit(small: TestClient) -> None:
    run = create_run(small)["id"]
    worker = register(small)
    claim(small, worker)
    feature_maps = {"layers": [[0.5] * 4000]}  # about 16 KB: over the request limit, under the artifact limit
    assert upload(small, run, worker, "feature_maps", json=feature_maps).status_code == 200
    assert upload(small, run, worker, "feature_maps", content=b" " * 70_000).status_code == 413


def test_batches_pages_and_numbers_are_bounded(client: TestClient) -> None:
    run = create_run(client)["id"]
    worker = register(client)
    claim(client, worker)
    too_many = [{"seq": i, "type": "log", "message": "m"} for i in range(1, MAX_EVENTS_PER_BATCH + 2)]
    assert client.post(f"/api/runs/{run}/ingest", json={"worker_id": worker, "events": too_many}).status_code == 422
    assert client.get("/api/runs", params={"limit": 501}).status_code == 422
    assert client.get(f"/api/runs/{run}/logs", params={"limit": 10_001}).status_code == 422
    assert client.get(f"/api/runs/{run}/metrics", params={"max_points": 1_000_001}).status_code == 422
    # Numbers past what an INTEGER column holds are refused up front, not by the database driver.
    huge = MAX_DB_INT + 1
    assert client.get(f"/api/runs/{huge}").status_code == 422
    assert client.get(f"/api/runs/{MAX_DB_INT}").status_code == 404
    assert client.get("/api/runs", params={"offset": huge}).status_code == 422
    assert client.get(f"/api/runs/{run}/logs", params={"offset": 10**40}).status_code == 422
    assert client.get(f"/api/runs/{run}/metrics", params={"since": -(10**30)}).status_code == 422
    assert client.post(f"/api/workers/{huge}/claim").status_code == 422
    big_step = {"seq": 1, "type": "metrics", "points": [{"name": "loss", "step": huge, "value": 1.0}]}
    assert client.post(f"/api/runs/{run}/ingest", json={"worker_id": worker, "events": [big_step]}).status_code == 422
    assert client.post(f"/api/runs/{run}/finish", json={"worker_id": 10**30, "status": "failed"}).status_code == 422


def test_text_no_database_can_hold_is_stored_with_replacement_characters(client: TestClient) -> None:
    # NUL is refused by PostgreSQL text columns; NaN by its JSON type; both arrive in valid requests.
    worker = client.post(
        "/api/workers/register",
        content=b'{"name": "gpu\\u00000", "device": "cpu", "capabilities": {"note": "a\\u0000b", "x": NaN}}',
        headers={"content-type": "application/json"},
    )
    assert worker.status_code == 200
    listed = client.get("/api/workers").json()["data"][0]
    assert listed["name"] == "gpu\ufffd0" and listed["capabilities"] == {"note": "a\x00b", "x": None}
    run = create_run(client, name="run\x00name")["id"]
    claim(client, worker.json()["id"])
    ingest(client, run, worker.json()["id"], [{"seq": 1, "type": "start", "info": {"device": "cuda\x00:0"}}])
    finish = {"worker_id": worker.json()["id"], "status": "failed", "error": "bad\x00byte"}
    assert client.post(f"/api/runs/{run}/finish", json=finish, headers=lease_headers(run, worker.json()["id"])).status_code == 200
    stored = client.get(f"/api/runs/{run}").json()
    assert (stored["name"], stored["device"], stored["error"]) == ("run\ufffdname", "cuda\ufffd:0", "bad\ufffdbyte")
    assert stored["info"] == {"device": "cuda\x00:0"}  # inside JSON it stays, escaped


def test_an_unpaired_surrogate_is_a_422_that_echoes_it(client: TestClient) -> None:
    body = b'{"name": "\\ud800", "device": "cpu"}'
    answer = client.post("/api/workers/register", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "name"] and answer.json()["detail"][0]["input"] == "\ud800"
