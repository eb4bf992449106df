"""A run written to a folder instead of a server (`mode="offline"`), for `trainboard sync` to upload later.

The folder holds:
    run.json      {"format": 1, "name", "config", "tags", "host", "pid", "created_at"}
    events.jsonl  one report per line, in order: {"type": "start" | "metrics" | "log" | "config" | "summary" |
                  "artifact", ...}
    end.json      {"status", "error", "log"}, written by finish(); a folder without it is a script that died
Each line is flushed to the file as it is written, so a killed script leaves everything it reported but the
last FLUSH_S of points.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from trainboard.common.jsonsafe import scrub_non_finite
from trainboard.sdk.channel import Channel, PointSink

log = logging.getLogger(__name__)

FORMAT = 1
RUN_FILE, EVENTS_FILE, END_FILE = "run.json", "events.jsonl", "end.json"


def default_offline_root() -> Path:
    """$TRAINBOARD_OFFLINE_DIR, else ./trainboard-offline."""
    return Path(os.environ.get("TRAINBOARD_OFFLINE_DIR") or "trainboard-offline")


def new_run_folder(root: Path) -> Path:
    """A fresh folder under root named by the time and the process id."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    folder = root / f"run-{stamp}-{os.getpid()}"
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = root / f"run-{stamp}-{os.getpid()}-{suffix}"
    folder.mkdir(parents=True)
    return folder


def _line(record: dict[str, Any]) -> str:
    return json.dumps(scrub_non_finite(record), separators=(",", ":"), allow_nan=False) + "\n"


class OfflineSink(PointSink):
    """Appends every report as one JSON line."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()  # the flusher thread and the script both write

    def _write(self, record: dict[str, Any]) -> None:
        with self._lock:
            self._file.write(_line(record))
            self._file.flush()

    def on_start(self, info: dict[str, Any]) -> None:
        self._write({"type": "start", "info": info})

    def on_point_dicts(self, points: list[dict[str, Any]]) -> None:
        self._write({"type": "metrics", "points": points})

    def on_config(self, config: dict[str, Any]) -> None:
        self._write({"type": "config", "config": config})

    def on_log(self, level: str, message: str) -> None:
        self._write({"type": "log", "level": level, "message": message})

    def on_end(self, summary: dict[str, Any]) -> None:
        self._write({"type": "summary", "summary": summary})

    def on_artifact(self, name: str, payload: dict[str, Any]) -> None:
        self._write({"type": "artifact", "name": name, "payload": payload})

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._file.close()


class OfflineChannel(Channel):
    """Writes the run to a new folder under `root`."""

    def __init__(self, root: Path, name: str | None, config: dict[str, Any], tags: list[str]) -> None:
        self.folder = new_run_folder(root)
        meta = {"format": FORMAT, "name": name, "config": config, "tags": tags, "host": socket.gethostname(),
                "pid": os.getpid(), "created_at": datetime.now(timezone.utc).isoformat()}
        (self.folder / RUN_FILE).write_text(_line(meta), encoding="utf-8")
        self.sink = OfflineSink(self.folder / EVENTS_FILE)
        log.info("trainboard: offline run in %s (upload it with: trainboard sync %s)", self.folder, self.folder)

    def finish(self, status: str, error: str | None, log_text: str | None) -> None:
        self.sink.close()
        end = {"status": status, "error": error, "log": log_text}
        temp = self.folder / f"{END_FILE}.tmp"
        temp.write_text(_line(end), encoding="utf-8")
        temp.replace(self.folder / END_FILE)  # all or nothing: sync reads a complete end or none
