"""Where a script's run reports go: to a server while it runs (live.py) or to a folder for later (offline.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trainboard.trainer.sink import Sink


class PointSink(Sink):
    """A sink that also takes metric points as plain {"name", "step", "value"} dicts."""

    def on_point_dicts(self, points: list[dict[str, Any]]) -> None:
        """A batch of points, in the order they were logged: valid names, values finite floats or None."""
        raise NotImplementedError


    def on_config(self, config: dict[str, Any]) -> None:
        """More of the run's config, merged into what init() gave."""
        raise NotImplementedError


class Channel:
    """The reporting end of one run: its sink, where it can be seen, and how it ends."""

    sink: PointSink
    run_id: int | None = None  # the server's id (None offline until synced)
    url: str | None = None  # the run's page
    folder: Path | None = None  # where an offline run is written

    def should_stop(self) -> bool:
        """True once a user cancelled the run on the dashboard (or its reports can no longer be delivered)."""
        return False

    def finish(self, status: str, error: str | None, log_text: str | None) -> None:
        """Deliver everything reported, then record how the run ended (succeeded, failed, cancelled)."""
        raise NotImplementedError
