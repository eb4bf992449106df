"""The statuses a run goes through (plain strings, importable without the database layer)."""

from __future__ import annotations

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = "queued", "running", "succeeded", "failed", "cancelled"
RUN_STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
ACTIVE_STATUSES = (QUEUED, RUNNING)
FINISHED_STATUSES = (SUCCEEDED, FAILED, CANCELLED)
