"""The worker's reporting sink: sequenced batches, retries while the backend is away, checkpoint copies."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx

from trainboard.trainer.sink import MetricPoint
from trainboard.worker.reporting_sink import ReportingSink


class FlakyBackend:
    """Stands in for BackendClient: refuses connections until `up` is set, then records what arrives."""

    def __init__(self) -> None:
        self.up = threading.Event()
        self.events: list[dict[str, Any]] = []
        self.checkpoints: list[tuple[bytes, int, int]] = []
        self.artifacts: dict[str, Any] = {}

    def _check(self) -> None:
        if not self.up.is_set():
            raise httpx.ConnectError("backend away")

    def ingest(self, run_id: int, events: list[dict[str, Any]]) -> dict[str, Any]:
        self._check()
        self.events.extend(events)
        return {"accepted": len(events)}

    def put_artifact(self, run_id: int, name: str, payload: dict[str, Any]) -> None:
        self._check()
        self.artifacts[name] = payload

    def put_checkpoint(self, run_id: int, data: bytes, epoch: int, step: int) -> None:
        self._check()
        self.checkpoints.append((data, epoch, step))


def make_sink(tmp_path: Path, backend: FlakyBackend, next_seq: int = 1) -> ReportingSink:
    return ReportingSink(backend, 7, next_seq, tmp_path, threading.Event())  # type: ignore[arg-type]


def test_reports_wait_for_the_backend_and_arrive_in_order_with_sequence_numbers(tmp_path: Path) -> None:
    backend = FlakyBackend()
    sink = make_sink(tmp_path, backend, next_seq=41)
    for step in range(1, 6):
        sink.on_metrics([MetricPoint("loss", step, 1.0 / step)])
    sink.on_log("info", "epoch done")
    assert sink.pending == 6  # nothing could be sent yet
    backend.up.set()
    sink.close()
    assert [e["seq"] for e in backend.events] == list(range(41, 47))
    assert [e["points"][0]["step"] for e in backend.events[:5]] == [1, 2, 3, 4, 5]
    assert backend.events[-1] == {"seq": 46, "type": "log", "level": "info", "message": "epoch done"}


def test_non_finite_values_are_sent_as_null(tmp_path: Path) -> None:
    backend = FlakyBackend()
    backend.up.set()
    sink = make_sink(tmp_path, backend)
    sink.on_metrics([MetricPoint("loss", 1, float("nan")), MetricPoint("loss", 2, float("inf"))])
    sink.on_artifact("result", {"train_loss": float("nan"), "nested": [1.0, float("-inf")]})
    sink.close()
    assert [p["value"] for p in backend.events[0]["points"]] == [None, None]
    assert backend.artifacts["result"] == {"train_loss": None, "nested": [1.0, None]}


def test_two_checkpoints_of_one_epoch_are_both_uploaded_with_their_own_contents(tmp_path: Path) -> None:
    # The trainer rewrites one file: after epoch 1 (step 128) and again when stopped mid-epoch 2 (step 134,
    # still epoch 1 completed). Both uploads are queued while the backend is away.
    backend = FlakyBackend()
    sink = make_sink(tmp_path / "run", backend)
    checkpoint = tmp_path / "checkpoint.pt"
    checkpoint.write_bytes(b"after step 128")
    sink.on_checkpoint(checkpoint, 1, 128)
    checkpoint.write_bytes(b"after step 134")
    sink.on_checkpoint(checkpoint, 1, 134)
    backend.up.set()
    sink.close()
    assert backend.checkpoints == [(b"after step 128", 1, 128), (b"after step 134", 1, 134)]
    assert not list((tmp_path / "run").glob("upload-*"))  # copies removed once uploaded
