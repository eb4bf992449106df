"""A live server refuses path traversal in artifact and static file names, and listens on loopback by default."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from backend_api import JSON, claim, create_run, register
from backend_fixtures import backend_name, fresh_database_url
from backend_server import ServerProcess, free_port, wait_for_health

pytestmark = pytest.mark.e2e

# Artifact names as sent on the wire (http.client sends the path unchanged: no dot-segment cleanup).
TRAVERSING_NAMES = [
    "..", "../x", "%2e%2e", "%2e%2e%2fx", "..%2F..%2Fescaped", "a%2Fb", "%2Fetc%2Fpasswd", "checkpoint%00",
    "checkpoint%2F..%2F..%2Fescaped", "..%5C..%5Cescaped",
]
TRAVERSING_STATIC = [
    "/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/static/..%2F..%2Fpyproject.toml"
]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A live backend whose files are all under tmp_path/server."""
    process = ServerProcess(tmp_path / "server").start()
    yield process
    process.stop()


def _raw(server: ServerProcess, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_artifact_and_static_names_cannot_leave_their_folders(server: ServerProcess, tmp_path: Path) -> None:
    with httpx.Client(base_url=server.url, timeout=10.0, headers=JSON) as client:
        run = create_run(client)["id"]
        worker = register(client)
        claim(client, worker)  # the worker holds the run: only the name stands between it and the disk
    for name in TRAVERSING_NAMES:
        path = f"/api/runs/{run}/artifacts/{name}"
        status, _ = _raw(server, "PUT", f"{path}?worker_id={worker}&epoch=1&step=1", b'{"a": 1}')
        assert status in (404, 405, 422), (name, status)
        status, _ = _raw(server, "GET", path)
        assert status in (404, 405, 422), (name, status)
    for path in TRAVERSING_STATIC:
        status, body = _raw(server, "GET", path)
        assert status == 404 and b"root:" not in body and b"[project]" not in body, (path, status)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert [p for p in written if "escaped" in p.name or p.name in ("x", "b", "passwd")] == []
    assert [p for p in written if (tmp_path / "server" / "artifacts") in p.parents] == []  # nothing was stored


def _listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net/tcp{,6} writes them) of sockets listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        with open(table) as lines:
            next(lines)
            for line in lines:
                local, state = line.split()[1], line.split()[3]
                address, port_hex = local.rsplit(":", 1)
                if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                    found.add(address)
    return found


def test_serve_listens_on_loopback_unless_told_otherwise(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAINBOARD_")}
    database_url = fresh_database_url(tmp_path)
    if backend_name() == "postgresql":
        env.update(TRAINBOARD_DATABASE_URL=database_url, TRAINBOARD_ARTIFACT_DIR=str(tmp_path / "artifacts"))
    database = ["--db", str(tmp_path / "trainboard.db")] if backend_name() == "sqlite" else []
    command = [sys.executable, "-m", "trainboard", "serve", "--workers", "0", "--port", str(port), *database]
    process = subprocess.Popen([*command, "--data-dir", str(tmp_path / "data"), "--log-level", "warning"], env=env)
    try:
        wait_for_health(f"http://127.0.0.1:{port}", process)
        assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and no IPv6 or wildcard socket
    finally:
        process.terminate()
        process.wait(timeout=15)
