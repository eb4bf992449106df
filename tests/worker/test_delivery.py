"""The reporter's delivery: events fit the server's limits, refusals fail the run loudly, gaps are re-sent."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import httpx

from tests.polling import wait_until
from trainboard.trainer.sink import MetricPoint
from trainboard.worker.client import SeqGapError
from trainboard.worker.delivery import Pacer
from trainboard.worker.reporting_sink import ReportingSink


def _answer(status: int, body: str = "") -> httpx.HTTPStatusError:
    request = httpx.Request("POST", "http://server/api/runs/7/ingest")
    return httpx.HTTPStatusError("refused", request=request, response=httpx.Response(status, text=body,
                                                                                     request=request))


class Server:
    """Stands in for BackendClient: keeps the run's events as the server would, or answers `failing`."""

    def __init__(self, limits: dict[str, int] | None = None) -> None:
        self.limits = limits or {}
        self.events: list[dict[str, Any]] = []
        self.requests = 0
        self.failing: httpx.HTTPStatusError | None = None
        self.body_sizes: list[int] = []

    def ingest(self, run_id: int, events: list[dict[str, Any]]) -> dict[str, Any]:
        self.requests += 1
        if self.failing is not None:
            raise self.failing
        self.body_sizes.append(len(json.dumps({"worker_id": 1, "events": events})))
        last = self.events[-1]["seq"] if self.events else 0
        fresh = [e for e in events if e["seq"] > last]
        if fresh and fresh[0]["seq"] != last + 1:
            raise SeqGapError("gap", expected_seq=last + 1)
        self.events.extend(fresh)
        return {"accepted": len(fresh)}

    def put_artifact(self, run_id: int, name: str, payload: dict[str, Any]) -> None:
        self.requests += 1
        if self.failing is not None:
            raise self.failing


def _sink(tmp_path: Path, server: Server, **options: Any) -> tuple[ReportingSink, threading.Event]:
    stop = threading.Event()
    pacer = Pacer(rate_per_s=1000.0, burst=1000.0)
    return ReportingSink(server, 7, 1, tmp_path, stop, pacer=pacer, **options), stop  # type: ignore[arg-type]


def test_a_large_window_is_split_into_events_that_fit_the_announced_limits(tmp_path: Path) -> None:
    server = Server({"max_request_bytes": 100_000, "max_points_per_event": 1_000})
    sink, _ = _sink(tmp_path, server)
    sink.on_metrics([MetricPoint("loss", step, 1.0 / step) for step in range(1, 20_002)])
    sink.close()
    points = [p for event in server.events for p in event["points"]]
    assert [p["step"] for p in points] == list(range(1, 20_002))
    assert all(len(event["points"]) <= 1_000 for event in server.events)
    assert max(server.body_sizes) <= 100_000 and sink.failure is None


def test_a_refused_batch_fails_the_run_loudly_and_stops_the_training(tmp_path: Path) -> None:
    server = Server()
    server.failing = _answer(413, "request body is over the 1048576-byte limit")
    sink, stop = _sink(tmp_path, server)
    sink.on_metrics([MetricPoint("loss", 1, 2.3)])
    sink.close()
    assert stop.is_set() and sink.failure is not None
    assert "HTTP 413" in sink.failure and "1048576-byte limit" in sink.failure
    assert server.requests == 1  # not retried: a refusal does not change


def test_a_server_that_keeps_failing_is_given_up_on_after_the_bound(tmp_path: Path) -> None:
    server = Server()
    server.failing = _answer(503, "artifact storage cannot be written: Read-only file system")
    sink, stop = _sink(tmp_path, server, give_up_s=0.3)
    sink.on_artifact("confusion", {"matrix": [[1]]})
    sink.close()
    assert stop.is_set() and sink.failure is not None
    assert sink.failure.startswith("reports failed for 0.3 s: HTTP 503: artifact storage cannot be written")
    assert server.requests >= 2  # retried before giving up


def test_an_artifact_over_the_servers_limit_fails_before_it_is_sent(tmp_path: Path) -> None:
    server = Server({"max_artifact_bytes": 1_000})
    sink, _ = _sink(tmp_path, server)
    sink.on_artifact("feature_maps", {"maps": [0.5] * 1_000})
    sink.close()
    assert server.requests == 0
    assert sink.failure is not None and "over the server's limit of 1,000 bytes" in sink.failure


def test_events_the_server_lost_are_sent_again_from_those_kept(tmp_path: Path) -> None:
    server = Server()
    sink, _ = _sink(tmp_path, server)
    for step in range(1, 6):
        sink.on_metrics([MetricPoint("loss", step, 1.0)])
    wait_until(lambda: len(server.events) == 5, "the first five events to arrive")
    del server.events[2:]  # the server comes back without its last commits: it has seq 1 and 2
    for step in range(6, 9):
        sink.on_metrics([MetricPoint("loss", step, 1.0)])
    sink.close()
    assert [e["seq"] for e in server.events] == list(range(1, 9)) and sink.failure is None
