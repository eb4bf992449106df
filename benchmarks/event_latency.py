"""Live-event latency: from a worker's ingest POST to the event reaching each of 20 SSE clients.

A real uvicorn server on a loopback port, a fresh SQLite file, one run held by a fake worker that posts
batches (50 loss points + a progress event, as a trainer's sink sends them) every `interval` seconds,
and 20 clients streaming the run's events. Latency per delivery = client receive time - POST start.
Target: p95 under 50 ms.

    python -m benchmarks.event_latency [--quick]
"""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.script_args import benchmark_parser, report_logging
from tests.backend.backend_server import ServerProcess
from trainboard.worker.client import JSON

logger = logging.getLogger(__name__)

CLIENTS = 20
TARGET_P95_MS = 50.0
POINTS_PER_BATCH = 50
QUICK_BATCHES, FULL_BATCHES = 40, 300
INTERVAL_S = 0.02  # between batches; a real worker posts every 0.5 s, this is 25x denser


class _Watchers:
    """CLIENTS SSE subscribers as asyncio tasks on one thread, each on a plain socket.

    The clients should cost the shared CPU as little as possible, so they speak HTTP/1.0 themselves (the
    body is then the bare event stream) instead of running a full HTTP client each. Every client records
    when each batch's metrics event arrives (perf_counter seconds).
    """

    def __init__(self, url: str, run_id: int) -> None:
        self.url, self.run_id = url, run_id
        self.received: list[dict[int, float]] = [{} for _ in range(CLIENTS)]  # per client: batch -> arrival
        self.subscribed = threading.Event()  # set once every client has caught up with the stored history
        self._waiting = CLIENTS
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._watch_all())
        except BaseException as error:  # reported by run(); a benchmark thread must not die silently
            self.error = error

    async def _watch_all(self) -> None:
        await asyncio.gather(*(self._watch(received) for received in self.received))

    async def _watch(self, received: dict[int, float]) -> None:
        address = httpx.URL(self.url)
        reader, writer = await asyncio.open_connection(address.host, address.port)
        request = f"GET /api/runs/{self.run_id}/events HTTP/1.0\r\nHost: {address.host}\r\n\r\n"
        writer.write(request.encode())
        try:
            event, announced = "", False
            while line := await reader.readline():
                if line.startswith(b"event: "):
                    event = line[7:].decode().strip()
                elif line.startswith(b"data: ") and event == "metrics":
                    arrived = time.perf_counter()
                    received[json.loads(line[6:])["points"][0]["step"] // POINTS_PER_BATCH + 1] = arrived
                elif line.startswith(b"data: ") and event == "end":
                    return
                elif line.startswith(b"data: ") and event == "status" and not announced:
                    announced = True  # subscribed and caught up with the stored history
                    self._waiting -= 1
                    if self._waiting == 0:
                        self.subscribed.set()
        finally:
            writer.close()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run(quick: bool) -> dict[str, Any]:
    """Measure delivery latency in milliseconds (p50, p95, max) over CLIENTS streams."""
    batches = QUICK_BATCHES if quick else FULL_BATCHES
    with tempfile.TemporaryDirectory(prefix="trainboard-bench-") as folder:
        server = ServerProcess(Path(folder), TRAINBOARD_DB=str(Path(folder) / "bench.db")).start()
        url = server.url
        try:
            with httpx.Client(base_url=url, timeout=30.0) as http:
                run_id = http.post("/api/runs", json={"dataset": "synthetic", "epochs": 1}).json()["id"]
                worker = http.post("/api/workers/register", json={"name": "bench", "device": "cpu"}).json()["id"]
                claimed = http.post(f"/api/workers/{worker}/claim", headers=JSON)
                if claimed.status_code != 200:
                    raise RuntimeError("the fake worker could not claim the benchmark run")
                lease = {**JSON, "X-Lease-Token": claimed.json()["run"]["lease_token"]}
                watchers = _Watchers(url, run_id)
                watchers.thread.start()
                if not watchers.subscribed.wait(timeout=60):
                    raise RuntimeError("the SSE clients did not all subscribe within 60 s")
                sent: dict[int, float] = {}
                post_ms: list[float] = []
                for batch in range(1, batches + 1):
                    first = (batch - 1) * POINTS_PER_BATCH
                    points = [
                        {"name": "loss", "step": first + i, "value": 1.0 / (first + i + 1)}
                        for i in range(POINTS_PER_BATCH)
                    ]
                    progress = {
                        "seq": 2 * batch,
                        "type": "progress",
                        "epoch": 1,
                        "epochs": 1,
                        "step": first + POINTS_PER_BATCH,
                        "total_steps": batches * POINTS_PER_BATCH,
                        "images_per_s": 1000.0,
                        "eta_s": 1.0,
                    }
                    body = {
                        "worker_id": worker,
                        "events": [{"seq": 2 * batch - 1, "type": "metrics", "points": points}, progress],
                    }
                    sent[batch] = time.perf_counter()
                    http.post(f"/api/runs/{run_id}/ingest", json=body, headers=lease).raise_for_status()
                    post_ms.append((time.perf_counter() - sent[batch]) * 1000)
                    time.sleep(INTERVAL_S)
                http.post(f"/api/runs/{run_id}/finish", json={"worker_id": worker, "status": "succeeded"}, headers=lease)
                watchers.thread.join(timeout=60)
        finally:
            server.stop()
    if watchers.error is not None:
        raise RuntimeError(f"an SSE client failed: {watchers.error!r}")
    latencies = [(received[b] - sent[b]) * 1000 for received in watchers.received for b in sent if b in received]
    missing = CLIENTS * batches - len(latencies)
    p95 = _percentile(latencies, 0.95)
    return {
        "clients": CLIENTS,
        "batches": batches,
        "deliveries": len(latencies),
        "missing": missing,
        "p50_ms": _percentile(latencies, 0.50),
        "p95_ms": p95,
        "max_ms": max(latencies),
        "mean_ms": statistics.fmean(latencies),
        "post_p50_ms": _percentile(post_ms, 0.50),
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": p95 < TARGET_P95_MS and missing == 0,
    }


def main() -> None:
    """Run the benchmark and log the latency percentiles."""
    parser = benchmark_parser(__doc__, f"{QUICK_BATCHES} batches instead of {FULL_BATCHES}")
    args = parser.parse_args()
    report_logging()
    results = run(args.quick)
    logger.info(
        "%d SSE clients, %d ingest batches of %d points: %d deliveries, %d missing",
        results["clients"],
        results["batches"],
        POINTS_PER_BATCH,
        results["deliveries"],
        results["missing"],
    )
    logger.info(
        "POST -> client latency: p50 %.1f ms, p95 %.1f ms, max %.1f ms (target p95 < %.0f ms: %s)",
        results["p50_ms"],
        results["p95_ms"],
        results["max_ms"],
        results["target_p95_ms"],
        "met" if results["meets_target"] else "MISSED",
    )
    logger.info("ingest POST round trip p50: %.1f ms", results["post_p50_ms"])


if __name__ == "__main__":
    main()
