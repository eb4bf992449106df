"""Path and query parameters the routes share: ids and counters bounded to what an INTEGER column holds.

Out-of-range numbers are answered with 422 here instead of failing in the database driver.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Path, Query

from trainboard.backend.field_types import MAX_DB_INT

RunId = Annotated[int, Path(ge=1, le=MAX_DB_INT, description="The run's id")]
WorkerId = Annotated[int, Path(ge=1, le=MAX_DB_INT, description="The worker's id")]
SweepId = Annotated[int, Path(ge=1, le=MAX_DB_INT, description="The sweep's id")]
WorkerIdQuery = Annotated[int, Query(ge=1, le=MAX_DB_INT, description="The worker that holds the run")]
Offset = Annotated[int, Query(ge=0, le=MAX_DB_INT, description="Rows to skip")]
CounterQuery = Annotated[int | None, Query(ge=0, le=MAX_DB_INT)]  # an epoch, a step or an event id
EvaluationEpoch = Annotated[
    int | None, Query(ge=1, le=MAX_DB_INT, description="The epoch of a kept evaluation (from 1); the latest when absent")
]
LeaseToken = Annotated[
    str | None, Header(alias="X-Lease-Token", max_length=200, description="The lease token the claim answered")
]
ClaimWait = Annotated[
    float, Query(ge=0, le=60, description="Seconds to wait for a queued run before answering 204 (long poll)")
]
