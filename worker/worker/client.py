"""HTTP client for the worker protocol in docs/protocol.md, with retries for a backend that is away."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx

log = logging.getLogger(__name__)


class LeaseLostError(RuntimeError):
    """The backend no longer assigns this run to this worker (lease expired and the run was re-queued)."""


class BackendClient:
    """Thin typed wrapper over the backend's worker endpoints. Every call may raise httpx errors."""

    def __init__(self, server: str, token: str | None = None, timeout_s: float = 10.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=timeout_s)
        self.worker_id: int | None = None

    def close(self) -> None:
        """Close the underlying connection pool."""
        self.http.close()

    def _json(self, response: httpx.Response) -> Any:
        if response.status_code == 409:
            raise LeaseLostError(response.text)
        response.raise_for_status()
        return response.json() if response.content else None

    def register(self, name: str, device: str, capabilities: dict[str, Any]) -> dict[str, Any]:
        """Register this worker; remembers the id the backend assigned."""
        body = {"name": name, "device": device, "capabilities": capabilities}
        info = self._json(self.http.post("/api/workers/register", json=body))
        self.worker_id = int(info["id"])
        return info

    def claim(self) -> dict[str, Any] | None:
        """Claim the next queued run, or None when the queue is empty."""
        response = self.http.post(f"/api/workers/{self.worker_id}/claim")
        if response.status_code == 204:
            return None
        return self._json(response)["run"]

    def heartbeat(self, run_id: int | None) -> dict[str, Any]:
        """Extend the lease on run_id; the answer says whether the run was cancelled."""
        return self._json(self.http.post(f"/api/workers/{self.worker_id}/heartbeat", json={"run_id": run_id}))

    def ingest(self, run_id: int, events: list[dict[str, Any]]) -> dict[str, Any]:
        """Post a batch of sequenced events; re-sending a batch is harmless."""
        body = {"worker_id": self.worker_id, "events": events}
        return self._json(self.http.post(f"/api/runs/{run_id}/ingest", json=body))

    def put_artifact(self, run_id: int, name: str, payload: dict[str, Any]) -> None:
        """Upload a JSON artifact (confusion, per_class, feature_maps, lr_curve, result)."""
        params = {"worker_id": self.worker_id}
        self._json(self.http.put(f"/api/runs/{run_id}/artifacts/{name}", params=params, json=payload))

    def put_checkpoint(self, run_id: int, data: bytes, epoch: int, step: int) -> None:
        """Upload checkpoint bytes taken after `epoch` epochs (`step` global steps)."""
        params = {"worker_id": self.worker_id, "epoch": epoch, "step": step}
        headers = {"Content-Type": "application/octet-stream"}
        url = f"/api/runs/{run_id}/artifacts/checkpoint"
        self._json(self.http.put(url, params=params, content=data, headers=headers))

    def download_checkpoint(self, run_id: int, dest: Path) -> Path:
        """Stream the run's last checkpoint to dest."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        with self.http.stream("GET", f"/api/runs/{run_id}/checkpoint") as response:
            response.raise_for_status()
            with open(dest, "wb") as f:
                for chunk in response.iter_bytes():
                    f.write(chunk)
        return dest

    def finish(self, run_id: int, status: str, error: str | None = None, log_text: str | None = None) -> None:
        """Report the end of a run: succeeded, failed, cancelled or requeue."""
        body = {"worker_id": self.worker_id, "status": status, "error": error, "log": log_text}
        self._json(self.http.post(f"/api/runs/{run_id}/finish", json=body))
