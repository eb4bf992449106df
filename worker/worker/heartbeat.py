"""A thread that keeps the worker's lease alive and learns whether its run was cancelled."""

from __future__ import annotations

import logging
import threading

import httpx

from trainboard.worker.client import BackendClient, LeaseLostError

log = logging.getLogger(__name__)


class Heartbeat:
    """Posts a heartbeat every `interval_s` for the current run (or None when idle).

    When the backend answers cancel, or says the lease is gone, it sets `stop` so the trainer ends
    at its next step; `cancelled` / `lease_lost` tell which. Connection failures are logged and retried
    at the next beat: the backend being away must not stop training.
    """

    def __init__(self, client: BackendClient, interval_s: float) -> None:
        self.client = client
        self.interval_s = interval_s
        self.run_id: int | None = None
        self.stop = threading.Event()
        self.cancelled = False
        self.lease_lost = False
        self._lock = threading.Lock()
        self._quit = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)

    def start(self) -> None:
        """Start beating."""
        self._thread.start()

    def watch(self, run_id: int | None) -> threading.Event:
        """Beat for run_id from now on; returns a fresh stop event for that run."""
        with self._lock:
            self.run_id = run_id
            self.stop = threading.Event()
            self.cancelled = self.lease_lost = False
        return self.stop

    def shutdown(self) -> None:
        """Stop the thread."""
        self._quit.set()
        self._thread.join(timeout=self.interval_s + 5)

    def beat(self) -> None:
        """One heartbeat now."""
        with self._lock:
            run_id, stop = self.run_id, self.stop
        try:
            answer = self.client.heartbeat(run_id)
        except LeaseLostError:
            if run_id is not None:
                log.warning("run %s: lease lost; stopping it here", run_id)
                self.lease_lost = True
                stop.set()
            return
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code == 404 and run_id is not None:
                log.warning("run %s: deleted on the backend; stopping it here", run_id)
                self.cancelled = True
                stop.set()
            else:
                log.warning("heartbeat refused (%s); training goes on", exc.response.status_code)
            return
        except httpx.TransportError as exc:
            log.warning("heartbeat failed (%s); training goes on", exc.__class__.__name__)
            return
        if run_id is not None and answer.get("cancel"):
            log.info("run %s: cancelled from the backend", run_id)
            self.cancelled = True
            stop.set()

    def _loop(self) -> None:
        while not self._quit.wait(self.interval_s):
            self.beat()
