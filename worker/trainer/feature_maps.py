"""Activations of named layers for one fixed image, captured with forward hooks, as plain lists."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

MAX_CHANNELS = 16  # per layer: keeps one artifact near 16 x 32 x 32 floats per layer
DECIMALS = 4  # values are rounded so the JSON stays small


class UnknownLayerError(ValueError):
    """A requested layer name is not a module of the model."""


def check_layers(model: nn.Module, layer_names: Sequence[str]) -> None:
    """Raise UnknownLayerError naming the bad layer and listing the model's convolution/linear layers."""
    modules = dict(model.named_modules())
    for name in layer_names:
        if name not in modules or name == "":
            choices = [n for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
            raise UnknownLayerError(f"feature_layers: model has no layer {name!r}; layers: {', '.join(choices)}")


def capture_feature_maps(
    model: nn.Module,
    image: torch.Tensor,
    layer_names: Sequence[str],
    *,
    mean: Sequence[float],
    std: Sequence[float],
    label: str = "",
    epoch: int = 0,
    max_channels: int = MAX_CHANNELS,
    autocast: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
) -> dict[str, Any]:
    """Run `image` (uint8, (C, H, W)) through `model` and return the `feature_maps` artifact payload.

    Each layer gives {"shape": [C, H, W] of the full activation, "maps": the first `max_channels`
    channels as nested lists}. Hooks are removed and the model's train/eval mode restored afterwards.
    """
    check_layers(model, layer_names)
    modules = dict(model.named_modules())
    device = next(model.parameters()).device
    captured: dict[str, torch.Tensor] = {}

    def hook_for(name: str) -> Callable[[nn.Module, Any, torch.Tensor], None]:
        def hook(_module: nn.Module, _inputs: Any, output: torch.Tensor) -> None:
            captured[name] = output.detach()[0]  # (C, H, W) of the single image

        return hook

    # 1. the image in [0, 1] for display; 2. normalized like the training batches, as a batch of one.
    image01 = image.to(device=device, dtype=torch.float32) / 255.0
    mean_t = torch.tensor(list(mean), device=device, dtype=torch.float32).view(-1, 1, 1)
    std_t = torch.tensor(list(std), device=device, dtype=torch.float32).view(-1, 1, 1)
    batch = ((image01 - mean_t) / std_t).unsqueeze(0)

    was_training = model.training
    handles = [modules[name].register_forward_hook(hook_for(name)) for name in layer_names]
    try:
        model.eval()
        with torch.inference_mode(), autocast():
            model(batch)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)

    layers: dict[str, dict[str, Any]] = {}
    for name in layer_names:
        activation = captured[name].float()
        if activation.dim() == 1:  # a linear layer: show its outputs as a 1 x 1 x N strip
            activation = activation.view(1, 1, -1)
        layers[name] = {
            "shape": list(activation.shape),
            "maps": _rounded(activation[:max_channels]),
        }
    return {"epoch": epoch, "label": label, "input": _rounded(image01), "layers": layers}


def _rounded(values: torch.Tensor) -> list:
    """Nested Python lists of `values` rounded to DECIMALS places."""
    scale = 10.0**DECIMALS
    return (values.float() * scale).round().div(scale).cpu().tolist()
