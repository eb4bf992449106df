"""The statuses a run goes through (plain strings, importable without the database layer)."""

from __future__ import annotations

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = "queued", "running", "succeeded", "failed", "cancelled"
PRUNED = "pruned"  # a sweep's trial its pruner stopped early (see trainboard.backend.sweeps)
DIVERGED = "diverged"  # stopped by the trainer's divergence watchdog; its last good checkpoint is kept
# A script's run (kind external) whose script went silent for a whole lease: killed, or its machine lost.
# Distinct from FAILED, which the script itself reported.
CRASHED = "crashed"
RUN_STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, DIVERGED, PRUNED, CRASHED)
ACTIVE_STATUSES = (QUEUED, RUNNING)
FINISHED_STATUSES = (SUCCEEDED, FAILED, CANCELLED, DIVERGED, PRUNED, CRASHED)
# Set by the server while a worker still runs the run: the worker stops at its next heartbeat.
STOPPED_BY_SERVER = (CANCELLED, PRUNED)
