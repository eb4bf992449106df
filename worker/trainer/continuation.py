"""Start a run from another run's checkpoint: its weights, optimizer state, step and RNG, this run's settings.

Unlike a resume (the same run again, after an interruption), a continued run may change fields: the
optimizer's state (momentum buffers, Adam moments) is taken from the checkpoint, but its hyperparameters
(momentum, weight decay, betas) are this run's config's; the learning rate is set per step by the schedule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from trainboard.trainer.checkpoint import CheckpointState, load_checkpoint


def load_to_continue(path: Path, *, model: nn.Module, optimizer: torch.optim.Optimizer) -> CheckpointState:
    """Load the checkpoint at `path` into model and optimizer, keeping the optimizer's own hyperparameters."""
    own = [{key: value for key, value in group.items() if key != "params"} for group in optimizer.param_groups]
    state = load_checkpoint(path, model=model, optimizer=optimizer)
    for group, settings in zip(optimizer.param_groups, own):
        group.update(settings)
    return state


def changed_fields(before: dict[str, Any], after: dict[str, Any], ignore: frozenset[str]) -> list[str]:
    """'name old -> new' for each field (outside `ignore`) whose value differs, sorted by name."""
    names = sorted(k for k in set(before) | set(after) if k not in ignore and before.get(k) != after.get(k))
    return [f"{name} {before.get(name)!r} -> {after.get(name)!r}" for name in names]
