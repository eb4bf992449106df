"""Run a script run (kind `script`): the user's command in its folder, in a process group of its own.

- Only from inside the folders the worker was started with (`--scripts DIR`), checked with links resolved.
- The command is an argument list (each {field} filled from the run's config on its own): no shell, so a
  value can add neither arguments nor shell syntax.
- Its stdout and stderr go to the run's log line by line. `trainboard.init()` inside it attaches to this run
  (TRAINBOARD_RUN_ID): the SDK writes its reports to a file here (TRAINBOARD_EVENTS_FILE) and this worker
  forwards them through its own reporter, so one sequence numbers all of the run's events.
- Cancel (or the worker told to stop): SIGTERM to the whole group, SIGKILL `grace_s` later.
- Exit code 0 is `succeeded`; anything else fails the run with the code.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Any

from trainboard.common.script_paths import allowed_by, command_args
from trainboard.worker.reporting_sink import ReportingSink

log = logging.getLogger(__name__)

POLL_S = 0.1  # how often the worker looks at the script (stop asked, exited, new reports)


class ScriptRefused(RuntimeError):
    """The run's folder is outside the folders this worker runs scripts from (after resolving links)."""


class ScriptFailed(RuntimeError):
    """The script exited with a code other than 0."""


def resolve_folder(cwd: str, allowed: list[Path]) -> Path:
    """The run's folder with links resolved, if it is inside an allowed folder (also resolved); else ScriptRefused."""
    real = os.path.realpath(cwd)
    if not allowed_by(real, [os.path.realpath(folder) for folder in allowed]):
        raise ScriptRefused(f"{cwd} is outside the folders this worker runs scripts from "
                            f"({', '.join(str(a) for a in allowed) or 'none: start it with --scripts DIR'})")
    if not os.path.isdir(real):
        raise ScriptRefused(f"{cwd} is not a folder on this worker")
    return Path(real)


def _pump_output(stream: IO[bytes], sink: ReportingSink) -> None:
    for raw in iter(stream.readline, b""):
        sink.on_log("info", raw.decode(errors="replace").rstrip("\n"))


class _ReportFollower:
    """Forwards what the SDK inside the script writes to its events file (offline.py's format) to the sink."""

    def __init__(self, path: Path, sink: ReportingSink) -> None:
        self.path = path
        self.sink = sink
        self._file: IO[str] | None = None
        self._partial = ""

    def forward_new(self) -> None:
        """Forward every complete line written since the last call."""
        if self._file is None:
            if not self.path.exists():
                return
            self._file = open(self.path, encoding="utf-8")
        while True:
            chunk = self._file.readline()
            if not chunk:
                return
            self._partial += chunk
            if not self._partial.endswith("\n"):
                return  # the rest of the line is not written yet
            line, self._partial = self._partial, ""
            self._forward(json.loads(line))

    def _forward(self, record: dict[str, Any]) -> None:
        kind = record.get("type")
        if kind == "metrics":
            self.sink.on_point_dicts(record["points"], checked=True)  # the SDK checked names and values
        elif kind == "log":
            self.sink.on_log(record.get("level", "info"), record["message"])
        elif kind == "artifact":
            self.sink.on_artifact(record["name"], record["payload"])
        elif kind == "config":
            self.sink.on_config(record["config"])
        elif kind == "summary":
            self.sink.on_end(record["summary"])
        # "start": the worker reported the run's start itself

    def close(self) -> None:
        self.forward_new()
        if self._file is not None:
            self._file.close()


def stop_group(process: subprocess.Popen[bytes], grace_s: float) -> None:
    """SIGTERM to the script's process group, then SIGKILL after grace_s if any of it is left."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # children that outlived their parent too
    except ProcessLookupError:
        pass


def run_script(claimed: dict[str, Any], allowed: list[Path], sink: ReportingSink, run_dir: Path,
               server: str, token: str | None) -> dict[str, Any]:
    """Run the claimed script to its end; {"stopped": True} when stopped; ScriptFailed on a non-zero exit."""
    config = claimed["config"]
    folder = resolve_folder(str(config["cwd"]), allowed)
    args = command_args(str(config["command"]), config.get("config") or {})
    events = run_dir / "sdk-events.jsonl"
    env = {**os.environ, "TRAINBOARD_RUN_ID": str(claimed["id"]), "TRAINBOARD_SERVER": server,
           "TRAINBOARD_EVENTS_FILE": str(events), "PYTHONUNBUFFERED": "1"}
    if token:
        env["TRAINBOARD_TOKEN"] = token
    sink.on_start({"command": args, "cwd": str(folder)})
    sink.on_log("info", f"$ {' '.join(args)}  (in {folder})")
    try:
        process = subprocess.Popen(args, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    except OSError as error:
        raise ScriptFailed(f"could not start {args[0]!r}: {error.strerror or error}") from None
    assert process.stdout is not None
    pump = threading.Thread(target=_pump_output, args=(process.stdout, sink), daemon=True)
    pump.start()
    follower = _ReportFollower(events, sink)
    stopped = False
    while process.poll() is None:
        follower.forward_new()
        if sink.should_stop() and not stopped:
            stopped = True
            log.info("run %s: stopping the script (SIGTERM, then SIGKILL after %g s)", claimed["id"], config["grace_s"])
            stop_group(process, float(config["grace_s"]))
        time.sleep(POLL_S)
    pump.join(timeout=10)
    follower.close()
    code = process.returncode
    if stopped:
        return {"stopped": True}
    try:
        os.killpg(process.pid, signal.SIGKILL)  # what the script left running in its group
    except (ProcessLookupError, PermissionError):
        pass
    if code != 0:
        reason = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        raise ScriptFailed(f"the script ended with {reason}")
    return {}
