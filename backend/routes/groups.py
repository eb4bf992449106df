"""Seed groups: launch N seeds of one config in one go (their runs are listed with GET /api/runs?group=ID)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, status

from trainboard.backend.deps import BrokerDep, SessionDep, SettingsDep, TokenDep
from trainboard.backend.errors import error_responses
from trainboard.backend.schemas import RunPublic, RunsPublic
from trainboard.backend.services.seed_groups import create_seed_group
from trainboard.backend.services.waiting import with_waiting

router = APIRouter(prefix="/api/groups", tags=["runs"], dependencies=[TokenDep], responses=error_responses(401))

GROUP_EXAMPLES = {
    "seeds": {
        "summary": "Three seeds of a preset",
        "value": {"preset": "origin-2ep", "dataset": "synthetic", "seeds": 3},
    },
}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RunsPublic)
def create_group(
    session: SessionDep,
    broker: BrokerDep,
    settings: SettingsDep,
    body: Annotated[dict[str, Any], Body(openapi_examples=GROUP_EXAMPLES)],
) -> RunsPublic:
    """Queue `seeds` runs (2 to 32) of one config, with seeds seed, seed + 1, ...: one seed group.

    The body is that of POST /api/runs plus `seeds`. Every run's `group_id` is the id of the first.
    """
    runs = create_seed_group(session, broker, body, settings.lease_s)
    data = [RunPublic.model_validate(run, from_attributes=True) for run in runs]
    return RunsPublic(data=with_waiting(session, settings.lease_s, data), count=len(data))
