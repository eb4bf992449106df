"""A script launched by a worker (a run of kind `script`): `trainboard.init()` attaches to that run.

The worker that started the script holds the run and numbers its events; the SDK writes its reports to the
file the worker named (TRAINBOARD_EVENTS_FILE, offline.py's format), and the worker forwards them as they
come (trainboard/worker/script_runner.py). The script's exit code ends the run.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from trainboard.sdk.channel import Channel
from trainboard.sdk.offline import OfflineSink

log = logging.getLogger(__name__)

RUN_ID_ENV, EVENTS_ENV = "TRAINBOARD_RUN_ID", "TRAINBOARD_EVENTS_FILE"


def launched_run() -> tuple[int, Path] | None:
    """(run id, events file) when this process is a script a worker launched, else None."""
    run_id, events = os.environ.get(RUN_ID_ENV), os.environ.get(EVENTS_ENV)
    if not (run_id and events and run_id.isdigit()):
        return None
    return int(run_id), Path(events)


class AttachedChannel(Channel):
    """Reports of the launched run, handed to the worker through its events file."""

    def __init__(self, run_id: int, events: Path, server: str) -> None:
        self.run_id = run_id
        self.url = f"{server.rstrip('/')}/runs/{run_id}"
        events.parent.mkdir(parents=True, exist_ok=True)
        self.sink = OfflineSink(events)
        log.info("trainboard: reporting to run %d (launched by a worker)", run_id)

    def finish(self, status: str, error: str | None, log_text: str | None) -> None:
        """The worker ends the run by the script's exit code; a failure's reason goes to the log first."""
        if status != "succeeded" and error:
            self.sink.on_log("error", f"the script reported: {status}: {error}")
        self.sink.close()


def attach(server: str, name: str | None, config: dict[str, Any]) -> AttachedChannel | None:
    """The channel of the launched run, or None when this script was not launched by a worker."""
    found = launched_run()
    if found is None:
        return None
    channel = AttachedChannel(found[0], found[1], server)
    if config:
        channel.sink.on_config(config)  # what init() was given joins the launched run's config
    if name:
        log.info("trainboard: name %r ignored: the run was named when it was launched", name)
    return channel
