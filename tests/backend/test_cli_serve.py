"""`trainboard serve`: the API comes up on the given port and database, local workers start and stop with it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from backend_fixtures import backend_name, fresh_database_url
from backend_server import free_port, wait_for_health

from tests.polling import wait_until
from trainboard.cli.commands.serve import local_server_url


def _serve(
    tmp_path: Path, port: int, workers: int, database_url: str | None = None, own_session: bool = False
) -> subprocess.Popen[bytes]:
    """`trainboard serve` on an SQLite file given with --db, or on PostgreSQL through TRAINBOARD_DATABASE_URL.

    `own_session`: in a process group of its own, as a terminal's foreground job is (Ctrl-C reaches the group).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAINBOARD_")}
    env["OMP_NUM_THREADS"] = "1"
    database_url = database_url or fresh_database_url(tmp_path, "serve.db")
    if backend_name() == "postgresql":
        env["TRAINBOARD_DATABASE_URL"] = database_url
        env["TRAINBOARD_ARTIFACT_DIR"] = str(tmp_path / "artifacts")  # not the user's data folder
    command = [
        sys.executable,
        "-m",
        "trainboard",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
        *(["--db", str(tmp_path / "serve.db")] if backend_name() == "sqlite" else []),
        "--data-dir",
        str(tmp_path / "data"),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, env=env, cwd=tmp_path, start_new_session=own_session)


def _children(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_local_server_url_reaches_wildcard_hosts_over_loopback() -> None:
    assert local_server_url("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert local_server_url("::", 9000) == "http://[::1]:9000"
    assert local_server_url("10.0.0.5", 80) == "http://10.0.0.5:80"


def test_serve_with_no_workers_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    process = _serve(tmp_path, port, workers=0)
    try:
        wait_for_health(f"http://127.0.0.1:{port}", process)
        assert httpx.get(f"http://127.0.0.1:{port}/api/health").json()["database"] == backend_name()
        assert (tmp_path / "serve.db").is_file() == (backend_name() == "sqlite")
        assert httpx.get(f"http://127.0.0.1:{port}/api/workers").json()["count"] == 0
        assert _children(process.pid) == []
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


def test_serve_rejects_a_negative_worker_count(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "trainboard", "serve", "--workers", "-1"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "workers" in result.stderr


def test_serve_on_a_busy_port_says_so_in_one_line_and_how_to_choose_another(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "trainboard", "serve", "--workers", "0", "--port", str(port),
             "--db", str(tmp_path / "t.db")], capture_output=True, text=True, timeout=120,
        )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: port: {port} is in use on 127.0.0.1; choose another with --port (make run PORT=...)"
    ]


def test_version_prints_the_installed_version() -> None:
    from importlib.metadata import version

    result = subprocess.run([sys.executable, "-m", "trainboard", "--version"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == f"trainboard {version('trainboard')}"


@pytest.mark.e2e
def test_serve_starts_local_workers_and_stops_them(tmp_path: Path) -> None:
    port = free_port()
    process = _serve(tmp_path, port, workers=1)
    try:
        wait_for_health(f"http://127.0.0.1:{port}", process)
        [worker_pid] = _children(process.pid)

        def registered() -> bool:  # the worker imports torch before it registers
            assert process.poll() is None, "serve exited"
            return httpx.get(f"http://127.0.0.1:{port}/api/workers").json()["count"] > 0

        wait_until(registered, "the local worker to register")
        worker = httpx.get(f"http://127.0.0.1:{port}/api/workers").json()["data"][0]
        assert worker["name"].endswith("-local0") and worker["alive"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    assert not Path(f"/proc/{worker_pid}").exists()  # stopped and reaped by serve


@pytest.mark.e2e
def test_ctrl_c_hands_the_running_run_back_at_once_and_exits(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database_url = fresh_database_url(tmp_path, "serve.db")
    process = _serve(tmp_path, port, workers=1, database_url=database_url, own_session=True)
    try:
        wait_for_health(url, process)
        body = {"preset": "origin-2ep", "dataset": "synthetic", "epochs": 30, "batch_size": 16, "log_every": 8}
        run = httpx.post(f"{url}/api/runs", json=body, timeout=10).json()["id"]
        wait_until(lambda: (httpx.get(f"{url}/api/runs/{run}").json().get("progress") or {}).get("step", 0) > 16,
                   "the run to be training")
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in the terminal: the server and its worker both get it
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # The run is back in the queue now, not when a lease runs out after the next start.
    again = _serve(tmp_path, port, workers=0, database_url=database_url)
    try:
        wait_for_health(url, again)
        stored = httpx.get(f"{url}/api/runs/{run}").json()
        assert stored["status"] == "queued" and stored["worker"] is None
        logs = [line["message"] for line in httpx.get(f"{url}/api/runs/{run}/logs").json()["data"]]
        assert any("handed back by its worker" in line for line in logs)
        assert not any("no heartbeat" in line for line in logs)
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(timeout=60)
