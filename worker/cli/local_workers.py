"""Worker processes started next to the server by `trainboard serve --workers N`."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)

STOP_GRACE_S = 30.0  # a worker stopping mid-run checkpoints and hands the run back; give it time


def start_local_workers(
    n: int, server_url: str, data_dir: Path, plugins: Sequence[str] = ()
) -> list[subprocess.Popen[bytes]]:
    """Start `n` processes of `python -m trainboard.worker --server URL` (they retry until the server answers);
    each imports the `plugins` (modules or files, a relative path taken from the current directory)."""
    plugin_flags = [flag for spec in plugins for flag in ("--plugin", _absolute_if_file(spec))]
    env = {**os.environ, "TRAINBOARD_DATA_DIR": str(data_dir)}
    host = socket.gethostname()
    processes = []
    for index in range(n):
        command = [
            sys.executable,
            "-m",
            "trainboard.worker",
            "--server",
            server_url,
            "--data-dir",
            str(data_dir),
            "--name",
            f"{host}-local{index}",
            *plugin_flags,
        ]
        processes.append(subprocess.Popen(command, env=env))
        log.info("started local worker %d (pid %d)", index, processes[-1].pid)
    return processes


def _absolute_if_file(spec: str) -> str:
    path = Path(spec).expanduser()
    return str(path.resolve()) if spec.endswith(".py") or os.sep in spec else spec


def stop_local_workers(processes: list[subprocess.Popen[bytes]], grace_s: float = STOP_GRACE_S) -> None:
    """SIGTERM every worker (each hands its run back), wait up to grace_s, then kill what is left."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("local worker pid %d did not stop in %.0f s; killing it", process.pid, grace_s)
            process.kill()
            process.wait()


def kill_local_workers(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGKILL every worker still running (a second Ctrl-C): their runs return to the queue when the lease ends."""
    for process in processes:
        if process.poll() is None:
            process.kill()
