"""Seed groups: N runs of one config that differ only in their seed, launched in one go.

The runs of a group share `group_id`, the id of its first run; the compare page draws a group as its mean
with a band, and its table shows mean +- std. All runs of a group are stored in one transaction: a bad
body stores none of them.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from trainboard.backend.errors import field_error
from trainboard.backend.live.broker import EventBroker
from trainboard.backend.live.run_events import Outbox, commit_and_publish
from trainboard.backend.services.runs import add_run, runnable_config
from trainboard.backend.services.validation import default_run_name, validate_run_body
from trainboard.backend.tables import Run

MAX_SEEDS = 32
MAX_SEED = 2**31 - 1


def seed_count(body: dict[str, Any]) -> int:
    """The body's `seeds`: how many runs the group has (2 to MAX_SEEDS), or a 422 naming the field."""
    seeds = body.get("seeds")
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not 2 <= seeds <= MAX_SEEDS:
        raise field_error("seeds", f"seeds must be a whole number from 2 to {MAX_SEEDS}", seeds)
    return seeds


def create_seed_group(session: Session, broker: EventBroker, body: dict[str, Any], lease_s: float) -> list[Run]:
    """Queue `seeds` runs of the body's config with seeds seed, seed + 1, ...; returns them in seed order."""
    count = seed_count(body)
    config, preset = validate_run_body({k: v for k, v in body.items() if k != "seeds"})
    if config.seed + count - 1 > MAX_SEED:
        raise field_error("seed", f"seed + seeds - 1 must be at most {MAX_SEED}", config.seed)
    config = runnable_config(session, config, lease_s)
    base_name = default_run_name(config, preset)
    outbox = Outbox()
    runs: list[Run] = []
    for offset in range(count):
        seed = config.seed + offset
        member = config.model_copy(update={"seed": seed})
        group_id = runs[0].id if runs else None
        name = f"{base_name} (seed {seed})"
        runs.append(add_run(session, member, preset, outbox, name=name, group_id=group_id, starts_group=not runs))
    commit_and_publish(session, broker, outbox)
    return runs
