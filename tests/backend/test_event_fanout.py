"""The in-process broker: thread-safe publish to async subscribers, overflow, and cleanup when streams close."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx
import uvicorn
from backend_api import JSON, create_run, iter_sse
from backend_fixtures import make_settings
from backend_server import free_port

from tests.polling import wait_until
from trainboard.backend.app import create_app
from trainboard.backend.live.broker import LiveEvent, run_channel
from trainboard.backend.live.in_process import InProcessBroker


def test_events_published_from_threads_reach_every_subscriber_in_order() -> None:
    broker = InProcessBroker()

    async def scenario() -> list[list[int]]:
        async with broker.subscribe("c") as first, broker.subscribe("c") as second, broker.subscribe("other") as other:
            publisher = threading.Thread(
                target=lambda: [broker.publish("c", [LiveEvent("metrics", {}, i)]) for i in range(1, 101)]
            )
            publisher.start()
            await asyncio.to_thread(publisher.join)
            received = []
            for subscription in (first, second):
                ids: list[int] = []
                while len(ids) < 100:
                    assert await subscription.wait(2.0)
                    ids.extend(e.id for e in subscription.pending() if e.id is not None)
                received.append(ids)
            assert not await other.wait(0.05)  # another channel hears nothing
            return received

    assert asyncio.run(scenario()) == [list(range(1, 101))] * 2
    assert broker.subscriber_count("c") == 0


def test_a_subscriber_that_falls_behind_is_told_to_catch_up() -> None:
    broker = InProcessBroker(queue_limit=10)

    async def scenario() -> bool:
        async with broker.subscribe("c") as subscription:
            broker.publish("c", [LiveEvent("metrics", {}, i) for i in range(1, 50)])
            await subscription.wait(2.0)
            return subscription.overflowed

    assert asyncio.run(scenario()) is True


def test_closed_event_streams_leave_no_subscription_behind(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, sse_keepalive_s=0.1))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, "the server to start")
        broker: InProcessBroker = app.state.broker
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10.0, headers=JSON) as http:
            run = create_run(http)["id"]
            with http.stream("GET", f"/api/runs/{run}/events") as response:
                events = iter_sse(response)  # kept referenced: a collected iterator closes the connection
                assert next(events).event == "status"
                assert broker.subscriber_count(run_channel(run)) == 1
        # The closed stream is noticed at its next write (a keep-alive) and lets go of its subscription.
        wait_until(lambda: broker.subscriber_count(run_channel(run)) == 0, "the closed stream to unsubscribe")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
