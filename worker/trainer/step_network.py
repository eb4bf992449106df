"""How the training steps run the network: its memory format (channels-last or not) and torch.compile.

Neither changes the module's state: a channels-last parameter holds the same values with other strides, and
torch.compile wraps the module without copying it, so the state_dict of the plain module (no `_orig_mod.`
prefixes) is what a checkpoint holds, whichever of the two a run used. Evaluation and the feature-map hooks
(which find layers by module name) run the plain module; only the training forward and backward are compiled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import torch
from torch import nn

logger = logging.getLogger(__name__)


def memory_format(channels_last: bool) -> torch.memory_format:
    """The memory format of the network's parameters and input batches."""
    return torch.channels_last if channels_last else torch.contiguous_format


def training_network(
    model: nn.Module, *, compile: bool, on_fallback: Callable[[str], None] | None = None
) -> Callable[[torch.Tensor], torch.Tensor]:
    """What the training steps call: torch.compile(model) (compiled at its first call), or `model` itself."""
    return CompiledNetwork(model, on_fallback) if compile else model


class CompiledNetwork:
    """torch.compile(model) for the training steps; the plain module from the first failed compilation on.

    The compiled module shares the model's parameters and buffers, so the optimizer, BatchNorm's running
    statistics and checkpoints see one network. Shapes are static: an epoch's last, smaller batch compiles
    once more, for itself, and the full batches keep their own kernels (a dynamic-shape graph would serve both).
    A compilation fails before the step runs (on a CPU worker without a C++ compiler, for one), so the
    same batch goes through the plain module and the run goes on, slower; `on_fallback` hears why.
    """

    def __init__(self, model: nn.Module, on_fallback: Callable[[str], None] | None = None) -> None:
        from torch._dynamo.exc import BackendCompilerFailed  # imports torch._dynamo (seconds): only when compiling

        self.compile_error = BackendCompilerFailed
        self.model = model
        self.compiled: Callable[[torch.Tensor], torch.Tensor] | None = torch.compile(model, dynamic=False)
        self.on_fallback = on_fallback

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        if self.compiled is not None:
            try:
                return self.compiled(images)
            except self.compile_error as exc:
                self.compiled = None
                message = f"torch.compile failed; training on without it: {exc.inner_exception}"
                if self.on_fallback is not None:
                    self.on_fallback(message)
                else:
                    logger.warning(message)
        return self.model(images)


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
