"""The statuses a run goes through (plain strings, importable without the database layer)."""

from __future__ import annotations

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = "queued", "running", "succeeded", "failed", "cancelled"
DIVERGED = "diverged"  # stopped by the trainer's divergence watchdog; its last good checkpoint is kept
RUN_STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, DIVERGED)
ACTIVE_STATUSES = (QUEUED, RUNNING)
FINISHED_STATUSES = (SUCCEEDED, FAILED, CANCELLED, DIVERGED)
