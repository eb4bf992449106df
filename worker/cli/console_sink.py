"""A Sink for terminals: a tqdm progress bar (loss, lr, images/s) and log lines on stderr via logging."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from trainboard.trainer.sink import MetricPoint, Progress, Sink

logger = logging.getLogger("trainboard.run")

_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


class ConsoleSink(Sink):
    """Shows one progress bar per run on stderr; `request_stop()` (e.g. from Ctrl-C) asks the trainer to stop."""

    def __init__(self, stream: TextIO | None = None, disable_bar: bool = False) -> None:
        self.stream = stream
        self.disable_bar = disable_bar
        self.bar: tqdm | None = None
        self.stop_requested = False
        self._last: dict[str, float] = {}

    def request_stop(self) -> None:
        """Ask the trainer to stop after the current step (it writes a checkpoint first)."""
        self.stop_requested = True

    def should_stop(self) -> bool:
        return self.stop_requested

    def on_start(self, info: dict[str, Any]) -> None:
        logger.info(
            "training %s (%s parameters) on %s: %d train / %d test images, device %s",
            info.get("model"), f"{info.get('parameters', 0):,}", info.get("dataset"),
            info.get("train_images", 0), info.get("test_images", 0), info.get("device"),
        )
        self.bar = tqdm(
            total=info.get("total_steps", 0), initial=info.get("start_step", 0), unit="step",
            file=self.stream or sys.stderr, disable=self.disable_bar, dynamic_ncols=True, leave=True,
        )

    def on_metrics(self, points: list[MetricPoint]) -> None:
        for point in points:
            if point.name in ("loss", "lr", "images_per_s"):
                self._last[point.name] = point.value

    def on_progress(self, progress: Progress) -> None:
        if self.bar is None:
            return
        where = f"epoch {progress.epoch}/{progress.epochs}"
        self.bar.set_description(f"{where} ({progress.phase})" if progress.phase else where, refresh=False)
        postfix = {}
        if "loss" in self._last:
            postfix["loss"] = f"{self._last['loss']:.4f}"
        if "lr" in self._last:
            postfix["lr"] = f"{self._last['lr']:.3g}"
        if progress.images_per_s is not None:
            postfix["img/s"] = f"{progress.images_per_s:,.0f}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(progress.step - self.bar.n)

    def on_checkpoint(self, path: Path, epoch: int, step: int) -> None:
        logger.debug("checkpoint after epoch %d: %s", epoch, path)

    def on_log(self, level: str, message: str) -> None:
        logger.log(_LEVELS.get(level, logging.INFO), message)

    def on_end(self, summary: dict[str, Any]) -> None:
        self.close()

    def close(self) -> None:
        """Close the progress bar (safe to call twice)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
