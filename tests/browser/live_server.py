"""A real `trainboard serve` process (API, dashboard, local workers) on a free loopback port.

Used by the browser tests and by take_screenshots.py. The process gets its own session, so stop() ends
the server and the worker processes it started, and nothing else.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def trainboard_command() -> list[str]:
    """The `trainboard` console script of the running interpreter's environment."""
    script = Path(sys.executable).with_name("trainboard")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from backend.cli import main; sys.exit(main())"]


class LiveServer:
    """`trainboard serve --workers N` with its database, data and log in `folder`; start() and stop()."""

    def __init__(self, folder: Path, workers: int, **env: str) -> None:
        self.folder = folder
        self.workers = workers
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("TRAINBOARD_")}
        # One torch thread per worker: the test machines have few cores, shared with other jobs.
        self.env = {**inherited, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", **env}
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.log_path = folder / "server.log"

    def start(self) -> "LiveServer":
        """Start on a free port and wait until /api/health answers."""
        self.folder.mkdir(parents=True, exist_ok=True)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = [
            *trainboard_command(), "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(self.workers), "--db", str(self.folder / "trainboard.db"),
            "--data-dir", str(self.folder / "data"), "--log-level", "warning",
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_for_health()
        except Exception:
            self.stop()
            raise
        return self

    def _wait_for_health(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server at {self.url} did not answer within {START_TIMEOUT_S} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        """The last lines the server and its workers wrote."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM to the server's process group (server and its workers), then SIGKILL if it lingers."""
        if self.process is None:
            return
        group = self.process.pid  # start_new_session: the group id is the server's pid
        if self.process.poll() is None:
            os.killpg(group, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        try:
            os.killpg(group, signal.SIGKILL)  # any worker still alive in the group
        except ProcessLookupError:
            pass
        self.process = None
