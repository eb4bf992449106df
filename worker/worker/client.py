"""HTTP client for the worker protocol in docs/protocol.md.

Every request about a claimed run carries that claim's lease token (X-Lease-Token); the client keeps
the token of each run it claimed. Every mutation declares a JSON body (the server refuses others).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx

log = logging.getLogger(__name__)

JSON = {"Content-Type": "application/json"}
CLAIM_WAIT_S = 20.0  # a claim waits this long on the server for a queued run (long poll)


class LeaseLostError(RuntimeError):
    """The backend no longer assigns this run to this worker (lease expired and the run was re-queued)."""


class SeqGapError(RuntimeError):
    """The backend's sequence of the run's events ends before this batch; it must continue at expected_seq."""

    def __init__(self, message: str, expected_seq: int) -> None:
        super().__init__(message)
        self.expected_seq = expected_seq


class BackendClient:
    """Thin typed wrapper over the backend's worker endpoints. Every call may raise httpx errors."""

    def __init__(self, server: str, token: str | None = None, timeout_s: float = 10.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=timeout_s)
        self.worker_id: int | None = None
        self.limits: dict[str, int] = {}
        self._lease_tokens: dict[int, str] = {}

    def close(self) -> None:
        """Close the underlying connection pool."""
        self.http.close()

    def _json(self, response: httpx.Response) -> Any:
        if response.status_code == 409:
            detail = _detail(response)
            if isinstance(detail.get("expected_seq"), int):
                raise SeqGapError(str(detail.get("detail")), detail["expected_seq"])
            raise LeaseLostError(str(detail.get("detail") or response.text))
        response.raise_for_status()
        return response.json() if response.content else None

    def _lease(self, run_id: int) -> dict[str, str]:
        token = self._lease_tokens.get(run_id)
        return {**JSON, "X-Lease-Token": token} if token else dict(JSON)

    def register(self, name: str, device: str, capabilities: dict[str, Any]) -> dict[str, Any]:
        """Register this worker; remembers the id the backend assigned and its request limits."""
        body = {"name": name, "device": device, "capabilities": capabilities}
        info = self._json(self.http.post("/api/workers/register", json=body))
        self.worker_id = int(info["id"])
        self.limits = dict(info.get("limits") or {})
        return info

    def update_offer(self, capabilities: dict[str, Any]) -> None:
        """Tell the server what this worker offers now."""
        self._json(self.http.put(f"/api/workers/{self.worker_id}/offer", json={"capabilities": capabilities}))

    def claim(self, wait_s: float = CLAIM_WAIT_S) -> dict[str, Any] | None:
        """Claim the next queued run (waiting up to wait_s on the server), or None when there is none."""
        timeout = httpx.Timeout(self.http.timeout.connect, read=wait_s + 15.0)
        response = self.http.post(
            f"/api/workers/{self.worker_id}/claim", params={"wait_s": wait_s}, headers=JSON, timeout=timeout
        )
        if response.status_code == 204:
            return None
        run = self._json(response)["run"]
        self._lease_tokens[int(run["id"])] = run["lease_token"]
        return run

    def adopt(self, run_id: int, holder_id: int, lease_token: str, limits: dict[str, int]) -> None:
        """Report for a run this client holds without a claim (a script's run: trainboard.sdk)."""
        self.worker_id = holder_id
        self.limits = dict(limits)
        self._lease_tokens[run_id] = lease_token

    def forget(self, run_id: int) -> None:
        """Drop the lease token of a run this worker is done with."""
        self._lease_tokens.pop(run_id, None)

    def heartbeat(self, run_id: int | None) -> dict[str, Any]:
        """Extend the lease on run_id; the answer says whether the run was cancelled."""
        headers = self._lease(run_id) if run_id is not None else JSON
        return self._json(
            self.http.post(f"/api/workers/{self.worker_id}/heartbeat", json={"run_id": run_id}, headers=headers)
        )

    def ingest(self, run_id: int, events: list[dict[str, Any]]) -> dict[str, Any]:
        """Post a batch of sequenced events; re-sending a batch is harmless."""
        body = {"worker_id": self.worker_id, "events": events}
        return self._json(self.http.post(f"/api/runs/{run_id}/ingest", json=body, headers=self._lease(run_id)))

    def put_artifact(self, run_id: int, name: str, payload: dict[str, Any]) -> None:
        """Upload a JSON artifact (evaluation, mistakes, confusion, per_class, lr_curve, result)."""
        params = {"worker_id": self.worker_id}
        url = f"/api/runs/{run_id}/artifacts/{name}"
        self._json(self.http.put(url, params=params, json=payload, headers=self._lease(run_id)))

    def put_checkpoint(self, run_id: int, data: bytes, epoch: int, step: int) -> None:
        """Upload checkpoint bytes taken after `epoch` epochs (`step` global steps)."""
        params = {"worker_id": self.worker_id, "epoch": epoch, "step": step}
        headers = {**self._lease(run_id), "Content-Type": "application/octet-stream"}
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
        self._json(self.http.post(f"/api/runs/{run_id}/finish", json=body, headers=self._lease(run_id)))


def _detail(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
