"""The worker loop: register, claim a run, execute it with a reporting sink, finish, claim the next."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from trainboard.common.retry import call_with_retries, describe_failure
from trainboard.common.statuses import DIVERGED
from trainboard.trainer.watchdog import TrainingDivergedError
from trainboard.worker.client import BackendClient, LeaseLostError
from trainboard.worker.heartbeat import Heartbeat
from trainboard.worker.load_sampler import LoadSampler
from trainboard.worker.offer import with_current_datasets, worker_offer
from trainboard.worker.reporting_sink import ReportingSink

log = logging.getLogger(__name__)


@dataclass
class WorkerOptions:
    """How a worker connects and where it works."""

    server: str
    device: str = "auto"
    name: str | None = None
    data_dir: Path | None = None
    work_dir: Path | None = None
    token: str | None = None
    poll_s: float = 1.0  # wait after a failed claim (the server away) before the next
    give_up_s: float = 300.0  # how long a server answering errors to reports is retried before the run fails
    max_runs: int | None = None  # stop after this many runs (None = forever)
    tags: list[str] = field(default_factory=list)  # runs naming worker_tags go only to workers carrying them all
    plugins: list[str] = field(default_factory=list)  # loaded before the worker starts; reported as offered
    rescan_s: float = 30.0  # an idle worker looks for new datasets in its data directory this often
    scripts: list[Path] = field(default_factory=list)  # folders it runs users' scripts from (kind script)


def failure_reason(exc: BaseException) -> str:
    """One line a person can act on, for the run's error field."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if "out of memory" in text.lower():
        return f"CUDA out of memory: lower batch_size or use a smaller model ({text[:200]})"
    return f"{type(exc).__name__}: {text}"[:500] if text else type(exc).__name__


class ClaimInterrupted(Exception):
    """A shutdown signal arrived while the worker waited in a claim."""


class Worker:
    """Pulls runs from the backend and executes them one at a time."""

    def __init__(self, options: WorkerOptions) -> None:
        self.options = options
        self.client = BackendClient(options.server, token=options.token)
        self.shutdown = threading.Event()  # SIGTERM: finish the step, checkpoint, hand the run back
        self.device = self._resolve_device(options.device)
        self.name = options.name or f"{socket.gethostname()}-{self.device}"
        self.work_dir = options.work_dir or Path.home() / ".cache" / "trainboard" / "worker" / self.name
        self.heartbeat = Heartbeat(self.client, interval_s=1.0)  # until the server announces its interval
        self.runs_done = 0
        self._claiming = False
        self.offered: dict[str, Any] = {}  # the capabilities last reported to the server
        self.offered_at = 0.0

    @staticmethod
    def _resolve_device(device: str) -> str:
        from trainboard.trainer.device import resolve_device

        return str(resolve_device(device))

    def capabilities(self) -> dict[str, Any]:
        """What this worker offers: device, tags, networks and datasets (see offer.py), torch version, host."""
        self.offered = worker_offer(self.device, self.options.tags, self.options.data_dir, self.options.plugins)
        if self.options.scripts:  # runs of kind script from these folders (worker/worker/script_runner.py)
            self.offered["script_dirs"] = [os.path.realpath(folder) for folder in self.options.scripts]
            self.offered["kinds"] = [*self.offered["kinds"], "script"]
        self.offered_at = time.monotonic()
        return self.offered

    def report_new_datasets(self) -> None:
        """Every rescan_s between runs: if the datasets on disk changed since the last report, report them."""
        if time.monotonic() - self.offered_at < self.options.rescan_s:
            return
        self.offered_at = time.monotonic()
        current = with_current_datasets(self.offered, self.options.data_dir)
        if current == self.offered:
            return
        try:
            self.client.update_offer(current)
        except Exception as exc:  # the next rescan tries again
            log.warning("could not report the datasets now on disk (%s)", describe_failure(exc))
            return
        self.offered = current
        log.info("reported datasets now on disk: %s", ", ".join(d["name"] for d in current["datasets"]))

    def request_shutdown(self) -> None:
        """Ask the current run to stop at its next step and be handed back; then exit.

        Called from the signal handler: while the worker waits in a claim (a long poll), it raises
        ClaimInterrupted there, so an idle worker exits at once instead of at the end of the wait.
        """
        self.shutdown.set()
        self.heartbeat.stop.set()
        if self._claiming:
            raise ClaimInterrupted()

    def run_forever(self) -> int:
        """Claim and execute runs until shutdown (or max_runs). Returns the process exit code."""
        info = call_with_retries(
            lambda: self.client.register(self.name, self.device, self.capabilities()), "register", stop=self.shutdown
        )
        log.info("worker %s registered as %s on %s", self.name, info["id"], self.options.server)
        self.heartbeat.interval_s = float(info["heartbeat_s"])  # four beats per lease, as the server says
        self.heartbeat.start()
        try:
            while not self.shutdown.is_set():
                if self.options.max_runs is not None and self.runs_done >= self.options.max_runs:
                    break
                self.report_new_datasets()
                try:
                    claimed = self._claim()
                except ClaimInterrupted:
                    break
                except Exception as exc:  # backend away: keep trying
                    log.warning("claim failed (%s); retrying", describe_failure(exc))
                    self.shutdown.wait(self.options.poll_s)
                    continue
                if claimed is None:
                    continue
                self.execute(claimed)
                self.runs_done += 1
        finally:
            self.heartbeat.shutdown()
            self.client.close()
        return 0

    def _claim(self) -> dict[str, Any] | None:
        """One claim, waiting on the server for a queued run; a shutdown signal interrupts the wait."""
        self._claiming = True
        try:
            if self.shutdown.is_set():
                raise ClaimInterrupted()
            return self.client.claim()
        finally:
            self._claiming = False

    def execute(self, claimed: dict[str, Any]) -> str:
        """Run one claimed run to its end and report how it ended. Any error on the way fails the run."""
        run_id = int(claimed["id"])
        run_dir = self.work_dir / f"run-{run_id}"
        stop = self.heartbeat.watch(run_id)
        if self.shutdown.is_set():
            stop.set()
        log.info("run %s: starting (%s, attempt %s)", run_id, claimed["kind"], claimed.get("attempt"))
        status, error, log_text = "succeeded", None, None
        sink: ReportingSink | None = None
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
            sink = ReportingSink(self.client, run_id, int(claimed.get("next_seq", 1)), run_dir, stop,
                                 give_up_s=self.options.give_up_s, load=LoadSampler(self.device))
            summary = self._train(claimed, run_dir, sink)
            if sink.failure:
                status, error = "failed", sink.failure
            elif self.heartbeat.cancelled:
                status = "cancelled"
            elif self.shutdown.is_set() and summary.get("stopped"):
                status = "requeue"
        except TrainingDivergedError as exc:  # the watchdog stopped it; its last good checkpoint is uploaded
            status, error = DIVERGED, str(exc)[:2000]
            log.warning("run %s diverged: %s", run_id, error)
            if sink is not None:
                sink.on_log("error", error)
        except Exception as exc:
            status, error, log_text = "failed", failure_reason(exc), traceback.format_exc()
            log.error("run %s failed: %s", run_id, error)
            if sink is not None:
                sink.on_log("error", log_text)
        if sink is not None:
            sink.close()
            if sink.failure and status != "failed":  # the last reports (artifacts, summary) did not arrive
                status, error = "failed", sink.failure
        if status == "failed" and log_text is None:
            log_text = error
        self.heartbeat.watch(None)
        if not ((sink is not None and sink.lease_lost) or self.heartbeat.lease_lost):
            try:
                call_with_retries(lambda: self.client.finish(run_id, status, error, log_text), f"finish run {run_id}")
            except LeaseLostError:
                log.warning("run %s: lease lost before finish", run_id)
            except httpx.HTTPStatusError as exc:  # e.g. 404: the run was deleted while it ran
                log.warning("run %s: finish refused (%s)", run_id, exc.response.status_code)
        if status != "requeue":
            shutil.rmtree(run_dir, ignore_errors=True)
        self.client.forget(run_id)
        log.info("run %s: %s", run_id, status)
        return status

    def _train(self, claimed: dict[str, Any], run_dir: Path, sink: ReportingSink) -> dict[str, Any]:
        """Build the config and call the trainer or the LR finder (torch is imported here, not at start)."""
        from trainboard.trainer.config import config_class

        if sink.should_stop():  # cancelled, or the worker told to stop, between the claim and the start
            return {"stopped": True}
        if claimed["kind"] == "script":
            from trainboard.worker.script_runner import run_script

            return run_script(claimed, self.options.scripts, sink, run_dir, self.options.server, self.options.token)
        config = config_class(claimed["kind"]).model_validate({**claimed["config"], "device": self.device})
        if claimed["kind"] == "lr_find":
            from trainboard.trainer.lr_finder import run_lr_find

            result = run_lr_find(config, sink, data_dir=self.options.data_dir)  # type: ignore[arg-type]
            return {"stopped": getattr(result, "stopped_by_request", False)}
        from trainboard.trainer.train import train

        resume_from = start_from = None
        if claimed.get("resume"):
            resume_from = self.client.download_checkpoint(int(claimed["id"]), run_dir / "resume.pt")
            log.info("run %s: resuming after epoch %s", claimed["id"], claimed["resume"].get("epoch"))
        elif claimed.get("start_from"):
            start_from = self._parent_checkpoint(int(claimed["start_from"]["run_id"]), run_dir)
        return train(config, sink, data_dir=self.options.data_dir, out_dir=run_dir, resume_from=resume_from,
                     start_from=start_from)

    def _parent_checkpoint(self, parent_id: int, run_dir: Path) -> Path:
        """Download the checkpoint a continued run starts from; a clear error when it is gone."""
        try:
            return self.client.download_checkpoint(parent_id, run_dir / "parent.pt")
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code == 404:
                raise RuntimeError(f"run {parent_id}, which this run continues, or its checkpoint is gone") from None
            raise
