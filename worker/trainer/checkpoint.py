"""Write and read training checkpoints: model, optimizer, counters, RNG state and config.

A checkpoint is written after every epoch (and when a run is stopped mid-epoch) to out_dir/checkpoint.pt,
atomically (a temporary file in the same directory, then os.replace), so a crash never leaves half a file.
It holds only tensors and plain Python values, so it loads with torch.load(weights_only=True). The model's
state is the plain module's (never a torch.compile wrapper's), and a channels-last state loads into a
contiguous network and the reverse, so a run may resume with `compile` and `channels_last` switched. The LR schedule
is a pure function of the global step (see schedule.py), so the step is all of its state that is saved.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from trainboard.trainer.step_network import match_parameter_layouts

CHECKPOINT_NAME = "checkpoint.pt"
FORMAT_VERSION = 1


@dataclass
class CheckpointState:
    """The counters and bookkeeping a checkpoint restores besides the module states."""

    epoch: int  # epochs fully completed
    global_step: int  # optimizer updates done in total
    step_in_epoch: int = 0  # updates done in the epoch after `epoch` (non-zero only for a mid-epoch stop)
    config: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. the partial epoch's loss/accuracy sums


def save_checkpoint(
    path: Path,
    *,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    state: CheckpointState,
) -> Path:
    """Write a checkpoint to `path` atomically and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT_VERSION,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": state.epoch,
        "global_step": state.global_step,
        "step_in_epoch": state.step_in_epoch,
        "config": state.config,
        "extra": state.extra,
        "rng": _rng_states(),
    }
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def load_checkpoint(
    path: Path,
    *,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    restore_rng: bool = True,
) -> CheckpointState:
    """Load `path` into the given model and optimizer (in place) and return its counters."""
    device = next(model.parameters()).device
    payload = torch.load(Path(path), map_location=device, weights_only=True)
    model.load_state_dict(payload["model"])
    if optimizer is not None:
        optimizer.load_state_dict(payload["optimizer"])
        match_parameter_layouts(optimizer)  # a checkpoint from a run in the other memory format
    if restore_rng:
        _set_rng_states(payload.get("rng", {}))
    return CheckpointState(
        epoch=int(payload["epoch"]),
        global_step=int(payload["global_step"]),
        step_in_epoch=int(payload.get("step_in_epoch", 0)),
        config=dict(payload.get("config", {})),
        extra=dict(payload.get("extra", {})),
    )


def read_checkpoint_counters(path: Path) -> CheckpointState:
    """The epoch/step counters and config of a checkpoint, without loading it into a model."""
    payload = torch.load(Path(path), map_location="cpu", weights_only=True)
    return CheckpointState(
        epoch=int(payload["epoch"]),
        global_step=int(payload["global_step"]),
        step_in_epoch=int(payload.get("step_in_epoch", 0)),
        config=dict(payload.get("config", {})),
        extra=dict(payload.get("extra", {})),
    )


def _rng_states() -> dict[str, Any]:
    states: dict[str, Any] = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def _set_rng_states(states: dict[str, Any]) -> None:
    if "torch" in states:
        torch.set_rng_state(states["torch"].cpu())
    if "cuda" in states and torch.cuda.is_available() and len(states["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all([s.cpu() for s in states["cuda"]])
