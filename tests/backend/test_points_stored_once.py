"""Each metric point is stored once, as a metric_point row; a metrics event's row keeps only where its points
are, and a replay of the run's stream gives back exactly the points that went out live."""

from __future__ import annotations

from typing import Any

import httpx
from backend_api import claim, create_run, finish, ingest, iter_sse, metrics_event, register
from fastapi import FastAPI
from sqlmodel import Session, select

from trainboard.backend.tables import RunEvent


def _replayed_points(client: httpx.Client, run_id: int) -> list[list[dict[str, Any]]]:
    """The points of every metrics event of a finished run's stream, in order."""
    with client.stream("GET", f"/api/runs/{run_id}/events") as response:
        events = list(iter_sse(response))
    assert events[-1].event == "end"
    return [event.data["points"] for event in events if event.event == "metrics"]


def _metrics_rows(app: FastAPI, run_id: int) -> list[dict[str, Any]]:
    with Session(app.state.engine) as session:
        rows = session.exec(select(RunEvent).where(RunEvent.run_id == run_id, RunEvent.event == "metrics")).all()
        return [row.data for row in sorted(rows, key=lambda r: r.id or 0)]


def test_a_metrics_event_keeps_the_range_of_its_points_and_a_replay_restores_them(
    client: httpx.Client, app: FastAPI
) -> None:
    worker = register(client)
    first, second = create_run(client)["id"], create_run(client)["id"]
    assert claim(client, worker)["id"] == first and claim(client, worker)["id"] == second
    mixed = {"seq": 2, "type": "metrics", "points": [
        {"name": "loss", "step": 4, "value": 0.5}, {"name": "lr", "step": 4, "value": None},
        {"name": "loss", "step": 5, "value": 0.25},
    ]}
    ingest(client, first, worker, [metrics_event(1, range(1, 4))])
    ingest(client, second, worker, [metrics_event(1, range(1, 3), name="other")])  # ids between the first run's
    ingest(client, first, worker, [mixed])
    finish(client, first, worker)
    finish(client, second, worker)

    rows = _metrics_rows(app, first)
    assert [sorted(row) for row in rows] == [["count", "point_ids"], ["count", "point_ids"]]  # no points kept twice
    assert [row["count"] for row in rows] == [3, 3]
    assert _replayed_points(client, first) == [metrics_event(1, range(1, 4))["points"], mixed["points"]]
    assert _replayed_points(client, second) == [metrics_event(1, range(1, 3), name="other")["points"]]


def test_a_metrics_row_that_holds_its_points_is_replayed_as_it_is(client: httpx.Client, app: FastAPI) -> None:
    run_id = create_run(client)["id"]
    points = [{"name": "loss", "step": 1, "value": 2.0}]
    with Session(app.state.engine) as session:  # as a database written before points were stored once holds it
        session.add(RunEvent(run_id=run_id, event="metrics", data={"points": points}))
        session.commit()
    worker = register(client)
    assert claim(client, worker)["id"] == run_id
    finish(client, run_id, worker)
    assert _replayed_points(client, run_id) == [points]
