"""What `trainboard watch` prints for a run's events: progress, the trainer's log, status changes, the outcome."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from trainboard.cli.rest_client import ServerEvent
from trainboard.common.statuses import DIVERGED, FAILED, FINISHED_STATUSES, SUCCEEDED

PROGRESS_EVERY_S = 2.0  # at most one progress line per this many seconds


def _percent(fraction: float | None) -> str:
    return "-" if fraction is None else f"{100 * fraction:.1f} %"


def progress_line(progress: dict[str, Any], loss: float | None) -> str:
    """'epoch 1/2  step 500/3000  loss 1.2345  1,650 img/s  eta 12 s', and '(phase)' while one is set."""
    parts = [f"epoch {progress['epoch']}/{progress['epochs']}", f"step {progress['step']}/{progress['total_steps']}"]
    if loss is not None:
        parts.append(f"loss {loss:.4f}")
    parts.append(f"{progress.get('images_per_s') or 0:,.0f} img/s")
    if progress.get("eta_s") is not None:
        parts.append(f"eta {progress['eta_s']:.0f} s")
    if progress.get("phase"):
        parts.append(f"({progress['phase']})")
    return "  ".join(parts)


def outcome_line(run: dict[str, Any]) -> str:
    """The last line: how the run ended, with its test accuracy or its error."""
    status = run.get("status")
    if status == SUCCEEDED:
        summary = run.get("summary") or {}
        return f"run {run['id']} succeeded: test accuracy {_percent(summary.get('test_accuracy'))}"
    if status in (FAILED, DIVERGED):
        return f"run {run['id']} {status}: {run.get('error') or 'no reason given'}"
    return f"run {run['id']} {status}"


class WatchPrinter:
    """Turns one run's events, in order, into lines; `outcome` holds the run's final status once it ended.

    Status changes print as they happen, except the finishing one, which the caller prints from the run
    read back after `end` (outcome_line), since a replayed stream may not hold it.
    """

    def __init__(self, status: str | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last_progress_at: float | None = None
        self._loss: float | None = None
        self._status = status  # the status already shown, so it is not printed again
        self.outcome: str | None = None

    def lines(self, server_event: ServerEvent) -> list[str]:
        """The lines to print for this event (often none)."""
        handler = getattr(self, f"_on_{server_event.event}", None)
        return handler(server_event.data) if handler is not None else []

    def _on_metrics(self, data: dict[str, Any]) -> list[str]:
        losses = [p["value"] for p in data.get("points", []) if p["name"] == "loss" and p["value"] is not None]
        if losses:
            self._loss = losses[-1]
        return []

    def _on_progress(self, data: dict[str, Any]) -> list[str]:
        now = self._clock()
        last_step = data.get("step") == data.get("total_steps")
        if self._last_progress_at is not None and now - self._last_progress_at < PROGRESS_EVERY_S and not last_step:
            return []
        self._last_progress_at = now
        return [progress_line(data, self._loss)]

    def _on_log(self, data: dict[str, Any]) -> list[str]:
        level, message = data.get("level", "info"), str(data.get("message", ""))
        if level == "error":
            return []  # a traceback; the outcome line carries the one-line reason
        return [message if level == "info" else f"{level}: {message}"]

    def _on_status(self, data: dict[str, Any]) -> list[str]:
        status = data.get("status")
        if status == self._status or status in FINISHED_STATUSES:
            self._status = status
            return []  # the outcome line comes with `end`
        self._status = status
        where = f" on {data['worker']} ({data.get('device') or 'device unknown'})" if data.get("worker") else ""
        return [f"run {data['id']} {status}{where}"]

    def _on_rewind(self, data: dict[str, Any]) -> list[str]:
        return [f"resumed from the checkpoint after epoch {data.get('epoch')} (step {data.get('step')})"]

    def _on_end(self, data: dict[str, Any]) -> list[str]:
        self.outcome = str(data.get("status"))
        return []  # the caller reads the finished run back for its outcome line
