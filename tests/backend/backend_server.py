"""A real uvicorn process serving the backend on a free loopback port, for end-to-end tests.

Its database is an SQLite file in its folder, or, with TRAINBOARD_TEST_POSTGRES_URL set, a fresh
PostgreSQL database of its own, dropped once the ServerProcess object is gone (or at exit).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import weakref
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.postgres.pg_cluster import admin_url_from_env, create_database, drop_database

START_TIMEOUT_S = 30.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(
    url: str,
    process: subprocess.Popen[bytes],
    timeout_s: float = START_TIMEOUT_S,
    log_tail: Callable[[], str] = lambda: "",
) -> None:
    """Poll GET /api/health until it answers 200; fail (with `log_tail()`) if the process dies or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering\n{log_tail()}")
        try:
            if httpx.get(f"{url}/api/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server at {url} did not answer within {timeout_s} s\n{log_tail()}")


def _database_env(folder: Path, owner: object) -> dict[str, str]:
    """TRAINBOARD_DB in `folder`, or TRAINBOARD_DATABASE_URL of a new PostgreSQL database living as long as `owner`."""
    admin_url = admin_url_from_env()
    if admin_url is None:
        return {"TRAINBOARD_DB": str(folder / "trainboard.db")}
    database_url = create_database(admin_url)
    weakref.finalize(owner, drop_database, admin_url, database_url)
    return {"TRAINBOARD_DATABASE_URL": database_url}


class ServerProcess:
    """`uvicorn --factory backend.app:create_app` with its files in `folder` and its own database; start() and stop().

    The database outlives stop(), so start() after stop() is a restart on the same data.
    """

    def __init__(self, folder: Path, **env: str) -> None:
        self.folder = folder
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("TRAINBOARD_")}
        chosen = {} if "TRAINBOARD_DATABASE_URL" in env or "TRAINBOARD_DB" in env else _database_env(folder, self)
        self.env = {
            **inherited,
            **chosen,
            "TRAINBOARD_ARTIFACT_DIR": str(folder / "artifacts"),
            "TRAINBOARD_DATA_DIR": str(folder / "data"),
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, port: int | None = None) -> ServerProcess:
        """Start on `port` (default: a fresh free one) and wait until it answers."""
        port = port or free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "trainboard.backend.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "1",
        ]
        self.process = subprocess.Popen(command, env=self.env)
        try:
            wait_for_health(self.url, self.process)
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
