"""`trainboard sync`: upload runs written offline (offline.py) to a server, as if they had run live.

One run folder becomes one external run: the same reports in the same order, so the stored series, log
and artifacts are those a live run of the script would have stored. Points go SYNC_POINTS to a request;
a request that fails is sent again (ingest is sequenced: a re-sent batch adds nothing). A folder that was
uploaded gets a synced.json naming its run, and is not uploaded twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainboard.common.retry import call_with_retries
from trainboard.sdk.offline import END_FILE, EVENTS_FILE, RUN_FILE
from trainboard.worker.client import JSON, BackendClient
from trainboard.worker.event_items import limits_of

log = logging.getLogger(__name__)

SYNC_POINTS = 5_000  # metric points per ingest request
SYNCED_FILE = "synced.json"
DIED = {"status": "crashed", "error": "the script ended without finishing its run (it was written offline)"}


class SyncError(RuntimeError):
    """A folder that cannot be uploaded (not an offline run, already uploaded, unreadable); one line."""


@dataclass(frozen=True)
class Synced:
    """One uploaded folder: the run it became and what was sent."""

    folder: Path
    run_id: int
    url: str
    status: str
    points: int
    requests: int


def offline_runs(folder: Path) -> list[Path]:
    """The run folders in `folder`: itself when it is one, else its subfolders that are, by name."""
    if (folder / RUN_FILE).is_file():
        return [folder]
    if not folder.is_dir():
        raise SyncError(f"{folder}: no such folder")
    found = sorted(p for p in folder.iterdir() if (p / RUN_FILE).is_file())
    if not found:
        raise SyncError(f"{folder}: no offline run here (a run folder holds {RUN_FILE} and {EVENTS_FILE})")
    return found


def read_records(folder: Path) -> Iterator[dict[str, Any]]:
    """The reports of an offline run in order; a last line cut short by a kill is skipped."""
    path = folder / EVENTS_FILE
    if not path.exists():
        return
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                if line.endswith("\n"):
                    raise SyncError(f"{path}: line {number} is not JSON") from None
                log.warning("%s: the last line was cut short (the script was killed); skipped", path)


def requests_of(records: Iterator[dict[str, Any]], max_events: int) -> Iterator[tuple[str, Any]]:
    """("events", [event without seq, ...]) of up to SYNC_POINTS points, and ("artifact", record), in order."""
    events: list[dict[str, Any]] = []
    points = 0
    for record in records:
        kind = record.get("type")
        if kind == "artifact":
            if events:
                yield "events", events
                events, points = [], 0
            yield "artifact", record
            continue
        if kind != "metrics":
            events.append(record)
        else:
            rest = record["points"]
            while rest:
                room = SYNC_POINTS - points
                events.append({"type": "metrics", "points": rest[:room]})
                points += len(rest[:room])
                rest = rest[room:]
                if points >= SYNC_POINTS:
                    yield "events", events
                    events, points = [], 0
        if len(events) >= max_events:
            yield "events", events
            events, points = [], 0
    if events:
        yield "events", events


def sync_run(folder: Path, server: str, token: str | None) -> Synced:
    """Upload one offline run folder; returns the run it became."""
    if (folder / SYNCED_FILE).exists():
        done = json.loads((folder / SYNCED_FILE).read_text(encoding="utf-8"))
        raise SyncError(f"{folder}: uploaded already, as run {done['run_id']} ({done['url']})")
    try:
        meta = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SyncError(f"{folder / RUN_FILE}: cannot read it ({error})") from None
    end_path = folder / END_FILE
    end = json.loads(end_path.read_text(encoding="utf-8")) if end_path.exists() else DIED
    client = BackendClient(server, token=token)
    try:
        body = {key: meta.get(key) for key in ("name", "config", "tags", "host", "pid")}
        body["config"], body["tags"], body["host"] = body["config"] or {}, body["tags"] or [], body["host"] or ""

        def create() -> dict[str, Any]:
            response = client.http.post("/api/runs/external", json=body, headers=JSON)
            response.raise_for_status()
            return response.json()

        started = call_with_retries(create, "create the run", give_up_after_s=60)
        run_id = int(started["run_id"])
        client.adopt(run_id, int(started["worker_id"]), started["lease_token"], started["limits"])
        seq, points, requests = int(started["next_seq"]), 0, 0
        for kind, item in requests_of(read_records(folder), limits_of(client)["max_events_per_batch"]):
            if kind == "artifact":
                call_with_retries(lambda: client.put_artifact(run_id, item["name"], item["payload"]),
                                  f"upload {item['name']}", give_up_after_s=300)
            else:
                batch = [{"seq": seq + i, **event} for i, event in enumerate(item)]
                call_with_retries(lambda: client.ingest(run_id, batch), "upload reports", give_up_after_s=300)
                seq += len(batch)
                points += sum(len(e["points"]) for e in batch if e["type"] == "metrics")
            requests += 1
        status = end.get("status") or "succeeded"
        call_with_retries(lambda: client.finish(run_id, status, end.get("error"), end.get("log")), "finish the run",
                          give_up_after_s=300)
    finally:
        client.close()
    url = f"{server.rstrip('/')}/runs/{run_id}"
    (folder / SYNCED_FILE).write_text(json.dumps({"run_id": run_id, "url": url}) + "\n", encoding="utf-8")
    return Synced(folder, run_id, url, status, points, requests)
