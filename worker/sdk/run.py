"""`Run`: what `trainboard.init` returns. Log metrics, tables, feature maps and text; finish; or use `with`."""

from __future__ import annotations

import atexit
import logging
import sys
import threading
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from trainboard.sdk.channel import Channel
from trainboard.sdk.config_values import config_dict
from trainboard.sdk.payloads import confusion_payload, feature_maps_payload, per_class_payload
from trainboard.sdk.points import PointGatherer

log = logging.getLogger(__name__)

TRACEBACK_LINES = 30  # of a failing script's traceback, kept in the run's log
ENDINGS = ("succeeded", "failed", "cancelled")


def failure_line(error: BaseException) -> str:
    """'ValueError: bad input' (the run's error field), cut to 500 characters."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}"[:500] if text else type(error).__name__


def traceback_tail(error: BaseException) -> str:
    """The last lines of the error's traceback."""
    lines = "".join(traceback.format_exception(type(error), error, error.__traceback__)).rstrip().splitlines()
    return "\n".join(lines[-TRACEBACK_LINES:])


class Run:
    """One run of a user's script. `log` never waits for the network; `finish` delivers everything."""

    def __init__(self, channel: Channel, info: dict[str, Any]) -> None:
        self._channel = channel
        self._points = PointGatherer(channel.sink.on_point_dicts)
        self._finish_lock = threading.Lock()
        self.finished = False
        channel.sink.on_start(info)
        _EXIT_WATCH.add(self)

    # --- where the run is ---------------------------------------------------------------------------
    @property
    def id(self) -> int | None:
        """The run's id on the server (None for an offline run)."""
        return self._channel.run_id

    @property
    def url(self) -> str | None:
        """The run's page on the dashboard (None offline)."""
        return self._channel.url

    @property
    def offline_dir(self) -> Path | None:
        """The folder an offline run is written to (`trainboard sync` it later), else None."""
        return self._channel.folder

    @property
    def should_stop(self) -> bool:
        """True once someone cancelled the run on the dashboard: end the loop and call finish()."""
        return self._channel.should_stop()

    # --- reporting ----------------------------------------------------------------------------------
    def log(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        """Record values at `step` (default: the previous step + 1, from 1). Each name is a chart;
        a prefix before '/' groups charts ('train/loss', 'test/acc'). Returns at once."""
        if self.finished:
            raise RuntimeError("run.log after the run finished")
        self._points.add(metrics, step)

    def update_config(self, config: Mapping[str, Any] | Any) -> None:
        """Add to (or change) the run's config after init, e.g. hyperparameters known only later."""
        self._channel.sink.on_config(config_dict(config))

    def flush(self) -> None:
        """Hand every point logged so far to the reporter now (it does so by itself every 0.1 s)."""
        self._points.flush()

    def log_confusion(self, matrix: Any, classes: Sequence[Any], split: str = "test") -> None:
        """A confusion matrix: rows are the true class, columns the predicted one (counts)."""
        self._artifact("confusion", confusion_payload(matrix, classes, split))

    def log_per_class(self, accuracy: Mapping[str, float] | Sequence[float] | Any,
                      classes: Sequence[Any] | None = None, split: str = "test") -> None:
        """Accuracy per class as fractions: a {class: fraction} dict, or a list with `classes`."""
        self._artifact("per_class", per_class_payload(accuracy, classes, split))

    def log_feature_maps(self, layers: Mapping[str, Any], image: Any | None = None, label: str = "",
                         epoch: int = 0) -> None:
        """Activations of some layers for one input: {layer name: (C, H, W)}, with the (C, H, W) image in [0, 1]."""
        self._artifact("feature_maps", feature_maps_payload(layers, image, label, epoch))

    def log_text(self, text: str, level: str = "info") -> None:
        """A line (or lines) for the run's log panel; level is info, warning or error."""
        if level not in ("info", "warning", "error"):
            raise ValueError(f"level must be one of info, warning, error; got {level!r}")
        self._points.flush()  # the log shows after the points logged before it
        self._channel.sink.on_log(level, str(text))

    def _artifact(self, name: str, payload: dict[str, Any]) -> None:
        if self.finished:
            raise RuntimeError(f"log_{name} after the run finished")
        self._points.flush()
        self._channel.sink.on_artifact(name, payload)

    # --- the end --------------------------------------------------------------------------------------
    def finish(self, status: str = "succeeded", error: str | None = None) -> None:
        """Deliver everything logged (waiting for a server that is away), then end the run with `status`."""
        if status not in ENDINGS:
            raise ValueError(f"status must be one of {', '.join(ENDINGS)}; got {status!r}")
        with self._finish_lock:
            if self.finished:
                return
            self.finished = True
            self._points.close()
            if self._points.last:
                self._channel.sink.on_end({"metrics": dict(self._points.last)})
            self._channel.finish(status, error, None)  # a failure's traceback is in the log already
            _EXIT_WATCH.discard(self)

    def fail(self, error: BaseException) -> None:
        """End the run as failed by `error`, with the last lines of its traceback in the run's log."""
        if self.finished:
            return
        if isinstance(error, SystemExit) and error.code in (0, None):
            self.finish()
            return
        if isinstance(error, KeyboardInterrupt):
            self.log_text("interrupted (Ctrl-C)", "warning")
            self.finish("cancelled")
            return
        self.log_text(traceback_tail(error), "error")
        self.finish("failed", failure_line(error))

    def __enter__(self) -> Run:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        if error is None:
            self.finish()
        else:
            self.fail(error)


class _ExitWatch:
    """Runs still open when the interpreter exits: failed by an uncaught exception, else succeeded."""

    def __init__(self) -> None:
        self.runs: list[Run] = []
        self.uncaught: BaseException | None = None
        self._installed = False

    def add(self, run: Run) -> None:
        if not self._installed:
            self._installed = True
            atexit.register(self._at_exit)
            previous = sys.excepthook

            def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
                self.uncaught = error
                previous(kind, error, tb)

            sys.excepthook = hook
        self.runs.append(run)

    def discard(self, run: Run) -> None:
        if run in self.runs:
            self.runs.remove(run)

    def _at_exit(self) -> None:
        for run in list(self.runs):
            try:
                if self.uncaught is not None:
                    run.fail(self.uncaught)
                else:
                    run.finish()
            except Exception:  # the interpreter is going away: say so, do not raise
                log.exception("trainboard: could not finish run %s at exit", run.id)


_EXIT_WATCH = _ExitWatch()
