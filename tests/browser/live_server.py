"""A real `trainboard serve` process (API, dashboard, local workers) on a free loopback port.

Used by the browser tests and by take_screenshots.py. The process gets its own session, so stop() ends
the server and the worker processes it started, and nothing else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.backend.backend_server import free_port, wait_for_health

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0


def trainboard_command() -> list[str]:
    """The `trainboard` console script of the running interpreter's environment."""
    script = Path(sys.executable).with_name("trainboard")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from trainboard.cli.main import main; sys.exit(main())"]


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
            wait_for_health(self.url, self.process, START_TIMEOUT_S, self.log_tail)
        except Exception:
            self.stop()
            raise
        return self

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
