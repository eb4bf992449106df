"""End to end: a user's script with the SDK, as a plain `python` process against a real server.

It streams points that a concurrent SSE client receives while it runs; kill -9 leaves its run `crashed`
within the lease; a backend restart mid-script loses and duplicates nothing; an exception fails the run
with its traceback in the log; offline plus `trainboard sync` stores what a live run stores.
"""

from __future__ import annotations

import math
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.backend.backend_api import iter_sse
from tests.e2e.cluster import Api, Cluster, restart_server, wait_until
from tests.e2e.sdk_processes import ScriptProcess, stored_points
from tests.e2e.sdk_script import expected_points

pytestmark = pytest.mark.e2e


def assert_same_points(stored: dict[str, list[tuple[int, float]]], expected: dict[str, list[tuple[int, float]]]) -> None:
    assert sorted(stored) == sorted(expected)
    for name, points in expected.items():
        assert [s for s, _ in stored[name]] == [s for s, _ in points], name  # every step once, in order
        assert all(math.isclose(a, b, rel_tol=1e-12) for (_, a), (_, b) in zip(stored[name], points)), name


@pytest.fixture
def scripts(tmp_path: Path) -> Any:
    started: list[ScriptProcess] = []

    def start(server_url: str, **settings: Any) -> ScriptProcess:
        started.append(ScriptProcess(tmp_path, server_url, f"script{len(started)}", **settings))
        return started[-1]

    yield start
    for script in started:
        script.stop()


def test_a_script_streams_points_that_a_concurrent_sse_client_receives_while_it_runs(
    cluster: Cluster, scripts: Any
) -> None:
    server = cluster.server()
    api = Api(server.url)
    script = scripts(server.url, steps=400, pause_s=0.02)
    run_id = script.run_id()
    received: list[tuple[bool, list[dict[str, Any]]]] = []  # (the script still running, the event's points)
    ended = threading.Event()

    def listen() -> None:
        with httpx.stream("GET", f"{server.url}/api/runs/{run_id}/events", timeout=60) as response:
            for event in iter_sse(response):
                if event.event == "metrics":
                    received.append((script.process.poll() is None, event.data["points"]))
                if event.event == "end":
                    ended.set()
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert script.wait() == 0, script.output()
    assert ended.wait(60), "the stream never said the run ended"
    listener.join(10)
    live = [points for running, points in received if running]
    assert len(live) >= 2, "points arrived only after the script ended"  # they came in several batches, live
    streamed: dict[str, list[tuple[int, float]]] = {}
    for _, points in received:
        for p in points:
            streamed.setdefault(p["name"], []).append((p["step"], p["value"]))
    assert_same_points(streamed, expected_points(400))  # the stream carried each point once
    run = api.run(run_id)
    assert (run["kind"], run["status"], run["name"]) == ("external", "succeeded", "sdk script")
    assert run["config"] == {"lr": 0.1, "steps": 400}
    assert_same_points(stored_points(api, run_id), expected_points(400))
    artifacts = {a["name"] for a in api.get(f"/api/runs/{run_id}/artifacts")["data"]}
    assert {"confusion", "per_class"} <= artifacts
    assert api.get(f"/api/runs/{run_id}/confusion")["matrix"] == [[5, 1], [2, 7]]
    logs = [line["message"] for line in api.get(f"/api/runs/{run_id}/logs")["data"]]
    assert "all steps done" in logs


def test_a_killed_script_leaves_its_run_crashed_within_the_lease(cluster: Cluster, scripts: Any) -> None:
    server = cluster.server(TRAINBOARD_LEASE_S="2")
    api = Api(server.url)
    script = scripts(server.url, steps=100_000, pause_s=0.01)
    run_id = script.run_id()
    wait_until(lambda: len(api.series(run_id, "train/loss")[0]) >= 20, "the first points", timeout_s=60)
    script.process.send_signal(signal.SIGKILL)
    script.wait(10)
    assert api.run(run_id)["status"] == "running"
    crashed = api.wait_status(run_id, {"crashed", "failed", "succeeded"}, timeout_s=60)
    assert crashed["status"] == "crashed"
    assert "no heartbeat from its script" in crashed["error"]


def test_a_backend_restart_mid_script_stores_exactly_what_the_script_logged(cluster: Cluster, scripts: Any) -> None:
    server = cluster.server()
    api = Api(server.url)
    script = scripts(server.url, steps=600, pause_s=0.01)
    run_id = script.run_id()
    wait_until(lambda: len(api.series(run_id, "train/loss")[0]) >= 50, "the first points", timeout_s=60)
    server.stop()
    script.wait_for_line("step 300", timeout_s=120)  # it logs on while the server is away
    time.sleep(1)
    restart_server(server)
    assert script.wait() == 0, script.output()
    assert api.run(run_id)["status"] == "succeeded"
    assert_same_points(stored_points(api, run_id), expected_points(600))


def test_an_exception_in_the_block_fails_the_run_with_the_traceback_in_its_log(
    cluster: Cluster, scripts: Any
) -> None:
    server = cluster.server()
    api = Api(server.url)
    script = scripts(server.url, steps=100, fail_at=30)
    run_id = script.run_id()
    assert script.wait() != 0
    run = api.wait_status(run_id, {"failed", "succeeded"}, timeout_s=60)
    assert run["status"] == "failed"
    assert run["error"] == "ValueError: boom at step 30"
    logs = "\n".join(line["message"] for line in api.get(f"/api/runs/{run_id}/logs")["data"])
    assert "Traceback" in logs and 'raise ValueError(f"boom at step {step}")' in logs
    assert api.series(run_id, "train/loss")[0] == list(range(1, 31))  # everything before the error arrived


def test_an_offline_run_synced_later_stores_what_a_live_run_stores(
    cluster: Cluster, scripts: Any, tmp_path: Path
) -> None:
    server = cluster.server()
    api = Api(server.url)
    live = scripts(server.url, steps=3000)
    assert live.wait() == 0, live.output()
    offline_dir = tmp_path / "offline"
    offline = scripts("http://127.0.0.1:9", steps=3000, mode="offline", dir=str(offline_dir))  # no server
    assert offline.wait() == 0, offline.output()
    sync = subprocess.run([sys.executable, "-m", "trainboard", "sync", str(offline_dir), "--server", server.url],
                          capture_output=True, text=True, timeout=120)
    assert sync.returncode == 0, sync.stderr + sync.stdout
    synced_id = int(sync.stdout.split()[1])
    # 6,300 points in two requests (5,000 a request), the two artifacts, then the last log line and the summary
    assert "6300 points in 5 requests" in sync.stdout
    live_run, synced_run = api.run(live.run_id()), api.run(synced_id)
    for field in ("kind", "status", "name", "config", "summary"):
        assert synced_run[field] == live_run[field], field
    assert stored_points(api, synced_id) == stored_points(api, live.run_id())
    assert_same_points(stored_points(api, synced_id), expected_points(3000))
    for name in ("confusion", "per-class"):
        assert api.get(f"/api/runs/{synced_id}/{name}") == api.get(f"/api/runs/{live.run_id()}/{name}")
    again = subprocess.run([sys.executable, "-m", "trainboard", "sync", str(offline_dir), "--server", server.url],
                           capture_output=True, text=True, timeout=120)
    assert f"uploaded already, as run {synced_id}" in again.stdout  # not twice


def test_cancelling_a_script_run_on_the_dashboard_tells_the_script_to_stop(cluster: Cluster, scripts: Any) -> None:
    server = cluster.server(TRAINBOARD_LEASE_S="2")  # heartbeats every 0.5 s
    api = Api(server.url)
    script = scripts(server.url, steps=100_000, pause_s=0.01)
    run_id = script.run_id()
    wait_until(lambda: len(api.series(run_id, "train/loss")[0]) >= 20, "the first points", timeout_s=60)
    assert api.post(f"/api/runs/{run_id}/cancel").status_code == 200
    script.wait_for_line("stopped at step", timeout_s=60)
    assert script.wait() == 0, script.output()
    assert api.run(run_id)["status"] == "cancelled"
    assert "cancelled on the dashboard" in script.output()
