"""Run-list notifications fit PostgreSQL's NOTIFY limit: small events travel inline, big runs as their id."""

from __future__ import annotations

import json

from trainboard.backend.live.broker import RUNS_CHANNEL, LiveEvent
from trainboard.backend.live.postgres import MAX_PAYLOAD_BYTES, run_list_payloads


def _run(run_id: int, info_bytes: int) -> dict[str, object]:
    return {"id": run_id, "status": "running", "info": {"notes": "n" * info_bytes}}


def test_run_list_events_are_packed_inline_in_order_and_big_ones_become_references() -> None:
    events = [LiveEvent("status", _run(i, 1_500)) for i in range(1, 9)]  # about 12 KB together
    events.insert(4, LiveEvent("status", _run(99, 20_000)))  # one run alone is past the limit
    events.append(LiveEvent("deleted", {"id": 7}))
    payloads = run_list_payloads("origin", events)
    assert all(len(p.encode()) <= MAX_PAYLOAD_BYTES for p in payloads)
    messages = [json.loads(p) for p in payloads]
    assert {m["o"] for m in messages} == {"origin"} and {m["c"] for m in messages} == {RUNS_CHANNEL}
    received = []  # (event, run id, how it travelled), in notification order
    for message in messages:
        received += [(event, data["id"], "inline") for event, data in message.get("e", [])]
        received += [(event, run_id, "reference") for event, run_id in message.get("r", [])]
    assert [run_id for _, run_id, _ in received] == [1, 2, 3, 4, 99, 5, 6, 7, 8, 7]  # as published
    assert [how for _, run_id, how in received if run_id == 99] == ["reference"]
    assert all(how == "inline" for _, run_id, how in received if run_id != 99)
    assert len(messages) >= 3  # 12 KB of small events do not fit one notification
