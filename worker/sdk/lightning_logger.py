"""A PyTorch Lightning logger that reports to Trainboard: `Trainer(logger=TrainboardLogger(name="..."))`.

Optional: importing this module imports `lightning` (pip install lightning); nothing else in Trainboard does.
The run starts when Lightning first asks for the experiment (before `fit` sets up); the hyperparameters it
logs then are merged into the run's config, and the run ends when Lightning finalizes the logger.
"""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Mapping
from typing import Any

from lightning.pytorch.loggers.logger import Logger, rank_zero_experiment
from lightning.pytorch.utilities import rank_zero_only

from trainboard.sdk.run import Run
from trainboard.sdk.start import init

# Lightning's own final statuses -> the run's.
_ENDINGS = {"success": "succeeded", "finished": "succeeded", "failed": "failed", "interrupted": "cancelled"}


class TrainboardLogger(Logger):
    """Reports Lightning's metrics (any name; '/' groups the charts) and hyperparameters to a Trainboard run."""

    def __init__(self, name: str | None = None, **init_args: Any) -> None:
        super().__init__()
        self._name = name
        self._init_args = init_args  # server, token, tags, mode, fallback, dir: as trainboard.init takes them
        self._config: dict[str, Any] = {}
        self._run: Run | None = None

    @property
    def name(self) -> str:
        return self._name or "trainboard"

    @property
    def version(self) -> int | str:
        return self._run.id if self._run is not None and self._run.id is not None else 0

    @property
    @rank_zero_experiment
    def experiment(self) -> Run:
        """The Trainboard run (started on first use)."""
        if self._run is None:
            self._run = init(name=self._name, config=self._config, **self._init_args)
        return self._run

    @rank_zero_only
    def log_hyperparams(self, params: Mapping[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        """Hyperparameters become the run's config (those logged before the run started)."""
        values = vars(params) if isinstance(params, Namespace) else dict(params)
        if self._run is None:
            self._config.update(values)
        else:  # Lightning starts the experiment before it logs them
            self._run.update_config(values)

    @rank_zero_only
    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        """One point per metric at Lightning's global step."""
        self.experiment.log(dict(metrics), step=step)

    @rank_zero_only
    def finalize(self, status: str) -> None:
        """End the run: success -> succeeded, failed -> failed, interrupted -> cancelled."""
        if self._run is not None and not self._run.finished:
            self._run.finish(_ENDINGS.get(status, "succeeded"))
