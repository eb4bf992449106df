"""Continue a run with changes: a new run that starts from an ended run's last checkpoint.

The child takes the parent's weights, optimizer state and step, and trains on with the fields the user
changed (more epochs, another lr or schedule, augmentation). Its steps continue the parent's step axis.
Fields that the checkpoint or its step arithmetic pins cannot change: the API answers 422 naming them.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from trainboard.backend.errors import ConflictError, field_error
from trainboard.backend.live.broker import EventBroker
from trainboard.backend.live.run_events import Outbox, append_log, commit_and_publish
from trainboard.backend.services.artifacts import CHECKPOINT, find_artifact
from trainboard.backend.services.runs import add_run, get_run, runnable_config
from trainboard.backend.services.validation import validate_clone
from trainboard.backend.tables import ACTIVE_STATUSES, Run

# Why each field is locked: the weights' shapes, the data they were fit to, or the steps per epoch and the
# optimizer state's layout, which the continued step count and the loaded state depend on.
LOCKED_FIELDS: dict[str, str] = {
    "kind": "a continued run trains",
    "model": "the checkpoint holds this network's weights",
    "model_args": "the checkpoint holds weights of the network built with these options",
    "dataset": "the network was fit to this dataset's classes",
    "image_size": "the network was fit to images of this size",
    "batch_size": "the steps per epoch, which the continued step count follows, depend on it",
    "train_limit": "the steps per epoch, which the continued step count follows, depend on it",
    "optimizer": "the checkpoint holds this optimizer's state",
}


def _check_locked(parent_config: dict[str, Any], changes: dict[str, Any]) -> None:
    for name, reason in LOCKED_FIELDS.items():
        if name in changes and changes[name] != parent_config.get(name):
            raise field_error(
                name, f"cannot change when continuing a run ({reason}); it stays {parent_config.get(name)!r}",
                changes[name],
            )


def continue_run(
    session: Session, broker: EventBroker, run_id: int, changes: dict[str, Any], lease_s: float
) -> Run:
    """Queue a run that continues `run_id` from its last checkpoint with `changes`; 409 if it cannot be."""
    parent = get_run(session, run_id)
    if parent.kind != "train":
        raise ConflictError(f"run {run_id} is an LR range test; only training runs can be continued")
    if parent.status in ACTIVE_STATUSES:
        raise ConflictError(f"run {run_id} is still {parent.status}; continue it once it has ended")
    checkpoint = find_artifact(session, run_id, CHECKPOINT)
    if checkpoint is None:
        raise ConflictError(f"run {run_id} has no checkpoint to continue from")
    if "preset" in changes:
        raise field_error("preset", "a continued run starts from its parent's config; change fields instead")
    _check_locked(parent.config, changes)
    done = checkpoint.epoch or 0
    epochs = changes.get("epochs", parent.config.get("epochs"))
    if isinstance(epochs, int) and not isinstance(epochs, bool) and epochs <= done:
        raise field_error(
            "epochs", f"epochs counts from the parent's start: the checkpoint is after epoch {done}, "
            f"so epochs must be more than {done} (e.g. {done + 8} for 8 more)", epochs,
        )
    config = runnable_config(session, validate_clone(parent.config, changes), lease_s)
    name = changes.get("name") or f"{parent.name} (continued)"
    outbox = Outbox()
    child = add_run(session, config, parent.preset, outbox, name=name, parent_id=run_id)
    message = f"continues run {run_id} from its checkpoint after epoch {done} (step {checkpoint.step or 0})"
    append_log(session, child, "info", message, outbox)
    commit_and_publish(session, broker, outbox)
    return child

