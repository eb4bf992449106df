"""Schemathesis against a live server's OpenAPI schema: no request gets a 5xx, every response matches the schema.

Its bodies include deeply nested values (hostile_bodies.py), and raw bodies that a strict JSON encoder never
writes (NaN and Infinity tokens, 1e999, 20,000 levels of nesting) go to every operation that takes one.

Bounded: 25 examples per operation, no shrinking, one fixed seed (so a failure reproduces), about 20 s.
The two Server-Sent Event endpoints are left out: their streams never end by themselves.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.backend.backend_server import ServerProcess

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = 25  # per operation and phase
SEED = 20_240_601
STREAM_PATHS = r"/events$"  # GET /api/events and GET /api/runs/{run_id}/events
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
TIMEOUT_S = 240
HOSTILE_BODIES = Path(__file__).with_name("hostile_bodies.py")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A live backend with no workers (on PostgreSQL when the suite runs there)."""
    process = ServerProcess(tmp_path / "server").start()
    yield process
    process.stop()


def _operations(schema: dict) -> list[str]:
    """'METHOD /path' of every operation the fuzzer should reach."""
    methods = ("get", "put", "post", "delete", "patch")
    return [
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if method in methods and not path.endswith("/events")
    ]


def test_fuzzing_the_openapi_schema_finds_no_server_error_and_no_schema_mismatch(
    server: ServerProcess, tmp_path: Path
) -> None:
    schema = httpx.get(f"{server.url}/openapi.json", timeout=10).json()
    report = tmp_path / "junit.xml"
    command = [
        str(Path(sys.executable).with_name("st")), "run", f"{server.url}/openapi.json",
        "--checks", ",".join(CHECKS), "--max-examples", str(MAX_EXAMPLES), "--no-shrink", "--seed", str(SEED),
        "--exclude-path-regex", STREAM_PATHS, "--workers", "1", "--request-timeout", "10", "--no-color",
        "--report", "junit", "--report-junit-path", str(report),
    ]
    # In tmp_path: schemathesis and hypothesis keep their files in the working directory.
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOSTILE_BODIES)}  # deep nesting among its bodies
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT_S, env=env)
    output = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, output
    suite = ElementTree.parse(report).getroot()
    tested = {case.get("name") for case in suite.iter("testcase")}
    assert tested == {*_operations(schema), "Stateful tests"}, output  # every operation was exercised
    assert (suite.get("failures"), suite.get("errors")) == ("0", "0"), output


HOSTILE_RAW = (
    b'{"lr": NaN, "epochs": Infinity}',
    b"[" * 20_000 + b"]" * 20_000,
    b'{"a": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
    b'{"name": "\\ud800", "x": -Infinity}',
    b"1e999",
)


def test_raw_hostile_bodies_get_no_server_error_and_keep_the_connection(server: ServerProcess) -> None:
    schema = httpx.get(f"{server.url}/openapi.json", timeout=10).json()
    with_body = [
        (method.upper(), path.replace("{run_id}", "1").replace("{worker_id}", "1").replace("{name}", "confusion"))
        for path, item in schema["paths"].items() for method, operation in item.items()
        if isinstance(operation, dict) and "requestBody" in operation
    ]
    assert len(with_body) >= 6
    with httpx.Client(base_url=server.url, timeout=30, headers={"Content-Type": "application/json"}) as client:
        httpx.post(f"{server.url}/api/runs", json={"dataset": "synthetic"}, timeout=10)
        for method, path in with_body:
            for body in HOSTILE_RAW:
                answer = client.request(method, path, content=body)
                assert answer.status_code < 500, (method, path, body[:40], answer.text[:300])
                assert answer.headers.get("connection") != "close", (method, path, body[:40])
