"""A real backend and real worker processes on loopback, and polling helpers for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.backend.backend_api import JSON
from tests.backend.backend_server import ServerProcess
from tests.polling import wait_until

# Tiny runs on the synthetic dataset: about a second per epoch on one CPU core.
TINY_RUN = {
    "preset": "origin-2ep", "dataset": "synthetic", "epochs": 2, "train_limit": 1024, "test_limit": 256,
    "batch_size": 16, "lr": 0.02, "normalize": "dataset", "log_every": 8,
}


class WorkerProcess:
    """`python -m worker` against a server, with its own work directory; stop() cleans up."""

    def __init__(self, server_url: str, folder: Path, name: str, *args: str, **env: str) -> None:
        self.name = name
        self.log_path = folder / f"{name}.log"
        command = [
            sys.executable, "-m", "trainboard.worker", "--server", server_url, "--name", name, "--device", "cpu",
            "--work-dir", str(folder / name), "--data-dir", str(folder / "data"), "--poll", "0.2", *args,
        ]
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("TRAINBOARD_")}
        self.log_file = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            command, env={**inherited, "OMP_NUM_THREADS": "1", **env}, stdout=self.log_file, stderr=subprocess.STDOUT
        )

    def signal(self, signum: int) -> None:
        """Send a signal (SIGTERM, SIGKILL) to the worker."""
        self.process.send_signal(signum)

    def wait(self, timeout_s: float) -> int:
        """Wait for exit and return the exit code."""
        return self.process.wait(timeout=timeout_s)

    def stop(self) -> None:
        """Kill the worker if it still runs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.log_file.close()

    def log(self) -> str:
        """Everything the worker wrote so far."""
        return self.log_path.read_text(errors="replace")


class Api:
    """A small httpx client for the REST API."""

    def __init__(self, url: str) -> None:
        self.url = url

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/api/runs", json=body, timeout=10)
        assert response.status_code == 201, response.text
        return response.json()

    def run(self, run_id: int) -> dict[str, Any]:
        return httpx.get(f"{self.url}/api/runs/{run_id}", timeout=10).raise_for_status().json()

    def get(self, path: str, **params: Any) -> Any:
        return httpx.get(f"{self.url}{path}", params=params, timeout=10).raise_for_status().json()

    def post(self, path: str) -> httpx.Response:
        return httpx.post(f"{self.url}{path}", headers=JSON, timeout=10)

    def delete(self, path: str) -> httpx.Response:
        return httpx.delete(f"{self.url}{path}", headers=JSON, timeout=10)

    def series(self, run_id: int, name: str) -> tuple[list[int], list[float]]:
        """All stored points of one metric (no downsampling)."""
        data = self.get(f"/api/runs/{run_id}/metrics", names=name)["series"].get(name)
        return (data["steps"], data["values"]) if data else ([], [])

    def wait_status(self, run_id: int, statuses: set[str], timeout_s: float) -> dict[str, Any]:
        """Poll until the run is in one of `statuses`; returns the run."""
        def reached() -> dict[str, Any] | None:
            run = self.run(run_id)
            return run if run["status"] in statuses else None

        return wait_until(reached, f"run {run_id} to reach {sorted(statuses)}", timeout_s=timeout_s)


def start_server(folder: Path, **env: str) -> ServerProcess:
    """A real uvicorn backend with its files in folder, on SQLite or on PostgreSQL (see ServerProcess)."""
    return ServerProcess(folder, **env).start()


def restart_server(server: ServerProcess) -> None:
    """Start a stopped server again on the same port and database."""
    port = int(server.url.rsplit(":", 1)[1])
    server.start(port)


class Cluster:
    """Servers and workers of one test, all in one folder; close() stops every process it started."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.servers: list[ServerProcess] = []
        self.workers: list[WorkerProcess] = []

    def server(self, **env: str) -> ServerProcess:
        """A real backend (SQLite file, or PostgreSQL when the tests are told to use it)."""
        self.servers.append(start_server(self.folder, **env))
        return self.servers[-1]

    def worker(self, server: ServerProcess, name: str, *args: str, **env: str) -> WorkerProcess:
        """A real worker process of `server`; `args` are more flags of `trainboard worker`."""
        self.workers.append(WorkerProcess(server.url, self.folder, name, *args, **env))
        return self.workers[-1]

    def close(self) -> None:
        """Kill the workers, stop the servers."""
        for worker in self.workers:
            worker.stop()
        for server in self.servers:
            server.stop()
