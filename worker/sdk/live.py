"""A run reported to a server while the script runs: the worker's reporter and heartbeat, over the lease
the server gave the script when it created the run (POST /api/runs/external).

Reports go through trainboard.worker.reporting_sink: sequenced (a re-sent batch adds nothing), batched
(a few requests per second whatever the logging rate), buffered in memory and then on disk while the
server is away, and delivered in order once it is back. The heartbeat keeps the run `running`; when the
script dies without finishing, the server marks the run `crashed` a lease later.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
from pathlib import Path
from typing import Any

import httpx
import platformdirs

from trainboard.common.retry import call_with_retries, describe_failure
from trainboard.sdk.channel import Channel, PointSink
from trainboard.worker.client import JSON, BackendClient, LeaseLostError
from trainboard.worker.heartbeat import Heartbeat
from trainboard.worker.reporting_sink import ReportingSink

log = logging.getLogger(__name__)

# Events kept in memory before the outbox spills to disk: one event holds up to FLUSH_S of points, so this is
# about 20 s of a server being away before the script writes its reports to disk instead.
EVENTS_IN_MEMORY = 200
START_TIMEOUT_S = 10.0


class ServerUnreachable(ConnectionError):
    """No server answered at the address given (the script may fall back to offline)."""


def spill_root() -> Path:
    """Where live runs keep reports the server has not acknowledged yet (removed when the run ends)."""
    return platformdirs.user_cache_path("trainboard") / "sdk"


class _LiveSink(ReportingSink, PointSink):
    """The worker's reporting sink, as the SDK's point sink."""

    def on_point_dicts(self, points: list[dict[str, Any]]) -> None:
        ReportingSink.on_point_dicts(self, points, checked=True)  # points.py checked names and values


class LiveChannel(Channel):
    """Creates the run on `server` and reports to it."""

    def __init__(self, server: str, token: str | None, name: str | None, config: dict[str, Any],
                 tags: list[str]) -> None:
        self.client = BackendClient(server, token=token, timeout_s=START_TIMEOUT_S)
        body = {"name": name, "config": config, "tags": tags, "host": socket.gethostname(), "pid": os.getpid()}
        try:
            response = self.client.http.post("/api/runs/external", json=body, headers=JSON)
        except httpx.TransportError as error:
            self.client.close()
            raise ServerUnreachable(f"no Trainboard server at {server} ({describe_failure(error)})") from None
        if response.status_code >= 400:
            self.client.close()
            raise RuntimeError(f"the server at {server} refused the run: HTTP {response.status_code}: {response.text}")
        started = response.json()
        self.run_id = int(started["run_id"])
        self.url = f"{server.rstrip('/')}/runs/{self.run_id}"
        self.client.adopt(self.run_id, int(started["worker_id"]), started["lease_token"], started["limits"])
        self.heartbeat = Heartbeat(self.client, interval_s=float(started["heartbeat_s"]))
        stop = self.heartbeat.watch(self.run_id)
        self.run_dir = spill_root() / f"run-{self.run_id}-{os.getpid()}"
        self.sink = _LiveSink(self.client, self.run_id, int(started["next_seq"]), self.run_dir, stop,
                              max_in_memory=EVENTS_IN_MEMORY)
        self.heartbeat.start()
        self._stop = stop
        log.info("trainboard: run %d at %s", self.run_id, self.url)

    def should_stop(self) -> bool:
        return self._stop.is_set()

    @property
    def cancelled(self) -> bool:
        """A user cancelled the run on the dashboard."""
        return self.heartbeat.cancelled

    def finish(self, status: str, error: str | None, log_text: str | None) -> None:
        if self.sink.pending:
            log.info("trainboard: run %d: delivering %d reports", self.run_id, self.sink.pending)
        self.sink.close()  # waits for a server that is away: nothing reported is dropped
        self.heartbeat.shutdown()
        if self.sink.failure and status == "succeeded":
            status, error = "failed", self.sink.failure
        if not (self.sink.lease_lost or self.heartbeat.lease_lost):
            try:
                call_with_retries(lambda: self.client.finish(self.run_id, status, error, log_text),
                                  f"finish run {self.run_id}")
            except LeaseLostError:
                log.warning("trainboard: run %d: the server no longer holds it for this script", self.run_id)
            except httpx.HTTPStatusError as exc:  # e.g. 404: the run was deleted meanwhile
                log.warning("trainboard: run %d: finish refused (%s)", self.run_id, describe_failure(exc))
        elif self.heartbeat.cancelled or self._status_on_server() == "cancelled":
            log.warning("trainboard: run %d was cancelled on the dashboard; reports after that were not stored",
                        self.run_id)
        else:
            log.warning("trainboard: run %d: the server gave up on this script (no heartbeat for a lease); "
                        "reports after that were not stored", self.run_id)
        self.client.close()
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def _status_on_server(self) -> str | None:
        """The run's status as the server has it now (None when it cannot say)."""
        try:
            response = self.client.http.get(f"/api/runs/{self.run_id}")
            return str(response.json().get("status")) if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None
