"""What the reporter sends, as items of its outbox: sequenced events, JSON artifacts and checkpoint files.

Events are cut to fit the server's limits when they are made (their seq numbers are final then): a metrics
event holds at most max_points_per_event points and its JSON at most a share of max_request_bytes, so any
batch of them fits in one ingest request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

DEFAULT_LIMITS = {  # what a server that does not announce its limits accepted before they were announced
    "max_request_bytes": 16 * 1024 * 1024,
    "max_events_per_batch": 10_000,
    "max_points_per_event": 100_000,
    "max_artifact_bytes": 64 * 1024 * 1024,
    "max_checkpoint_bytes": 2048 * 1024 * 1024,
}
BATCH_SHARE = 0.8  # of max_request_bytes: room for the envelope ({"worker_id": ..., "events": [...]})
# The JSON of one point at most: {"name":"<100 characters>","step":2147483647,"value":-1.2345678901234567e-308}
MAX_POINT_BYTES = 200


def limits_of(client: Any) -> dict[str, int]:
    """The server's request limits as the client learnt them at register, defaults for any not announced."""
    return {**DEFAULT_LIMITS, **(getattr(client, "limits", None) or {})}


def event_item(event: dict[str, Any]) -> dict[str, Any]:
    """An outbox item for one event, with its JSON size (what it adds to a batch's body)."""
    return {"kind": "event", "event": event, "size": len(json.dumps(event, separators=(",", ":"))) + 1}


def checked_chunk(limits: dict[str, int]) -> int:
    """How many valid points always fit one event (names of at most 100 characters): no need to measure them."""
    budget = int(limits["max_request_bytes"] * BATCH_SHARE)
    return max(1, min(limits["max_points_per_event"], budget // MAX_POINT_BYTES))


def split_points(points: list[dict[str, Any]], limits: dict[str, int]) -> Iterator[list[dict[str, Any]]]:
    """`points` in chunks that fit one event: by count, then halved until the JSON fits a batch."""
    budget = int(limits["max_request_bytes"] * BATCH_SHARE)
    step = max(1, limits["max_points_per_event"])
    for start in range(0, len(points), step):
        yield from _fit(points[start:start + step], budget)


def _fit(chunk: list[dict[str, Any]], budget: int) -> Iterator[list[dict[str, Any]]]:
    if len(chunk) <= 1 or len(json.dumps(chunk, separators=(",", ":"))) <= budget:
        yield chunk
        return
    middle = len(chunk) // 2
    yield from _fit(chunk[:middle], budget)
    yield from _fit(chunk[middle:], budget)

