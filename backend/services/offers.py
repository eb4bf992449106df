"""What the live workers offer, and which of them can run a given config. No torch, no user code.

The server learns plugins' networks and datasets only from what workers report at register (see
worker/worker/offer.py); it never imports them. A worker that registered without a `models` or
`datasets` list (an older worker) is taken to offer the built-ins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from trainboard.backend.tables import Worker, utcnow
from trainboard.common.run_kinds import SCRIPT, SCRIPT_HOLDER_DEVICE
from trainboard.common.script_paths import allowed_by
from trainboard.trainer.config import DATASET_NAMES
from trainboard.trainer.models.registry import MODELS as BUILTIN_MODELS

UNUSABLE_DATASET = "missing"  # a worker that reports a dataset as missing cannot run it


@dataclass(frozen=True)
class LiveWorker:
    """A worker seen within the lease, with what it registered."""

    name: str
    device: str
    capabilities: Mapping[str, Any]
    # Read from the capabilities once: a claim asks them of every queued run it looks at.
    _models: frozenset[str] = field(init=False, repr=False, compare=False)
    _datasets: frozenset[str] = field(init=False, repr=False, compare=False)
    _tags: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        models, datasets, tags = (self.capabilities.get(key) for key in ("models", "datasets", "tags"))
        object.__setattr__(self, "_models", frozenset(BUILTIN_MODELS) if not isinstance(models, list) else frozenset(
            m["name"] for m in models if isinstance(m, Mapping) and isinstance(m.get("name"), str)
        ))
        object.__setattr__(self, "_datasets", frozenset(DATASET_NAMES) if not isinstance(datasets, list) else frozenset(
            d["name"] for d in datasets
            if isinstance(d, Mapping) and isinstance(d.get("name"), str) and d.get("status") != UNUSABLE_DATASET
        ))
        object.__setattr__(self, "_tags", frozenset(
            t for t in tags if isinstance(t, str)) if isinstance(tags, list) else frozenset())

    @property
    def device_kind(self) -> str:
        return str(self.capabilities.get("device_kind") or self.device.split(":", 1)[0])

    def model_names(self) -> frozenset[str]:
        return self._models

    def dataset_names(self) -> frozenset[str]:
        return self._datasets

    def tags(self) -> frozenset[str]:
        return self._tags


def live_workers(session: Session, lease_s: float) -> list[LiveWorker]:
    """Workers seen within the lease, most recently seen first."""
    alive_after = utcnow() - timedelta(seconds=lease_s)
    rows = session.exec(
        select(Worker)
        .where(col(Worker.last_seen_at) >= alive_after, col(Worker.device) != SCRIPT_HOLDER_DEVICE)  # not scripts
        .order_by(col(Worker.last_seen_at).desc())
    ).all()
    return [as_live(w) for w in rows]


def as_live(worker: Worker) -> LiveWorker:
    """The registry row of a worker as a LiveWorker."""
    return LiveWorker(worker.name, worker.device, worker.capabilities or {})


def requirements(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What a run needs of a worker, in the order a missing one is reported: (what, value) pairs."""
    if config.get("kind") == SCRIPT:  # a user's command: a worker that runs scripts from its folder
        return [("script folder", str(config.get("cwd", ""))), *(("tag", str(t)) for t in config.get("worker_tags") or [])]
    needs = [("model", str(config.get("model", ""))), ("dataset", str(config.get("dataset", "")))]
    device = str(config.get("device") or "auto")
    if device != "auto":
        needs.append(("device", device.split(":", 1)[0]))
    needs += [("tag", str(tag)) for tag in config.get("worker_tags") or []]
    return needs


def _has(worker: LiveWorker, what: str, value: str) -> bool:
    if what == "model":
        return value in worker.model_names()
    if what == "dataset":
        return value in worker.dataset_names()
    if what == "device":
        return worker.device_kind == value
    if what == "script folder":
        return allowed_by(value, [str(d) for d in worker.capabilities.get("script_dirs") or []])
    return value in worker.tags()


def lacks(worker: LiveWorker, config: Mapping[str, Any]) -> str | None:
    """The first thing `worker` lacks to run `config` ("model wide_cnn"), or None when it can run it."""
    for what, value in requirements(config):
        if not _has(worker, what, value):
            return f"{what} {value}"
    return None


def waiting_reason(config: Mapping[str, Any], workers: Sequence[LiveWorker]) -> str | None:
    """Why no live worker can take a queued run ("waiting: no live worker has model wide_cnn"), or None."""
    if not workers:
        return "waiting: no live worker"
    if any(lacks(w, config) is None for w in workers):
        return None
    for what, value in requirements(config):
        if not any(_has(w, what, value) for w in workers):
            return f"waiting: no live worker has {what} {value}"
    needs = ", ".join(f"{what} {value}" for what, value in requirements(config))
    return f"waiting: no single live worker has all of {needs}"
