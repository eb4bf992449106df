"""Field types the API and the worker protocol share: bounded integers, UTC times, finite-or-null floats."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import AfterValidator

from trainboard.common.statuses import RUN_STATUSES

MAX_DB_INT = 2**31 - 1  # PostgreSQL INTEGER: ids, steps, sequence numbers (SQLite's INTEGER holds more)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]
FiniteOrNone = Annotated[float | None, AfterValidator(_finite_or_none)]
RunStatus = Literal[RUN_STATUSES]  # type: ignore[valid-type]  # the statuses module is the one list
