"""How the training steps run the network: its memory format (channels-last or not) and torch.compile.

Neither changes the module's state: a channels-last parameter holds the same values with other strides, and
torch.compile wraps the module without copying it, so the state_dict of the plain module (no `_orig_mod.`
prefixes) is what a checkpoint holds, whichever of the two a run used. Evaluation and the feature-map hooks
(which find layers by module name) run the plain module; only the training forward and backward are compiled.
"""

from __future__ import annotations

import torch
from torch import nn


def memory_format(channels_last: bool) -> torch.memory_format:
    """The memory format of the network's parameters and input batches."""
    return torch.channels_last if channels_last else torch.contiguous_format


def training_network(model: nn.Module, *, compile: bool) -> nn.Module:
    """What the training steps call: torch.compile(model) (compiled at its first call), or `model` itself.

    The compiled module shares the model's parameters and buffers, so the optimizer, BatchNorm's running
    statistics and checkpoints see one network. A batch of a new shape (an epoch's last, smaller batch)
    compiles once more.
    """
    return torch.compile(model) if compile else model


def match_parameter_layouts(optimizer: torch.optim.Optimizer) -> None:
    """Give the optimizer's per-parameter state tensors (momentum, Adam's moments) their parameter's strides.

    A checkpoint written in one memory format and loaded into a network in the other loads the state in
    the saved strides; the values are right either way, this only keeps the update's tensors alike.
    """
    for group in optimizer.param_groups:
        for parameter in group["params"]:
            for key, value in optimizer.state.get(parameter, {}).items():
                if isinstance(value, torch.Tensor) and value.shape == parameter.shape and value.stride() != parameter.stride():
                    optimizer.state[parameter][key] = torch.empty_like(parameter, dtype=value.dtype).copy_(value)
