"""Activations of named layers for a few fixed images, captured with forward hooks, as small uint8 blocks.

A payload per image: {"index": test-set index, "label": class name, "input": image block,
"layers": {name: maps block}} (blocks: trainboard.trainer.map_encoding). Each layer keeps its first
MAX_CHANNELS channels, shrunk to at most MAX_LAYER_BYTES bytes, so one image's maps are a few KB.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from trainboard.trainer.map_encoding import encode_image, encode_maps

MAX_CHANNELS = 16  # per layer
MAX_LAYER_BYTES = 4096  # per layer of the evaluation's own image: 16 maps of 16 x 16
CAPTURE_BATCH = 256  # images per forward pass when capturing many images


class UnknownLayerError(ValueError):
    """A requested layer name is not a module of the model."""


def check_layers(model: nn.Module, layer_names: Sequence[str]) -> None:
    """Raise UnknownLayerError naming the bad layer and listing the model's convolution/linear layers."""
    modules = dict(model.named_modules())
    for name in layer_names:
        if name not in modules or name == "":
            choices = [n for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
            raise UnknownLayerError(f"feature_layers: model has no layer {name!r}; layers: {', '.join(choices)}")


@dataclass(frozen=True)
class MapLimits:
    """How much of each layer to keep per image."""

    max_channels: int = MAX_CHANNELS
    max_bytes: int = MAX_LAYER_BYTES


def capture(
    model: nn.Module,
    images: torch.Tensor,
    layer_names: Sequence[str],
    *,
    mean: Sequence[float],
    std: Sequence[float],
    limits: MapLimits = MapLimits(),
    autocast: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
) -> tuple[torch.Tensor, list[dict[str, Any]]]:
    """Run uint8 (N, C, H, W) `images` through `model`: (probabilities (N, classes) on the host, encoded maps per image).

    Each image's maps are {layer name: maps block}. Hooks are removed and the train/eval mode restored afterwards.
    """
    check_layers(model, layer_names)
    modules = dict(model.named_modules())
    device = next(model.parameters()).device
    captured: dict[str, torch.Tensor] = {}

    def hook_for(name: str) -> Callable[[nn.Module, Any, torch.Tensor], None]:
        def hook(_module: nn.Module, _inputs: Any, output: torch.Tensor) -> None:
            captured[name] = output.detach().float().cpu()

        return hook

    mean_t = torch.tensor(list(mean), device=device, dtype=torch.float32).view(1, -1, 1, 1)
    std_t = torch.tensor(list(std), device=device, dtype=torch.float32).view(1, -1, 1, 1)
    probabilities: list[torch.Tensor] = []
    maps: list[dict[str, Any]] = []
    was_training = model.training
    handles = [modules[name].register_forward_hook(hook_for(name)) for name in layer_names]
    try:
        model.eval()
        for start in range(0, int(images.shape[0]), CAPTURE_BATCH):
            chunk = images[start : start + CAPTURE_BATCH].to(device=device, dtype=torch.float32) / 255.0
            with torch.inference_mode(), autocast():
                logits = model((chunk - mean_t) / std_t)
            probabilities.append(torch.softmax(logits.float(), dim=1).cpu())
            for i in range(int(chunk.shape[0])):
                maps.append({name: encode_maps(_as_maps(captured[name][i]), limits.max_channels, limits.max_bytes)
                             for name in layer_names})
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    classes = int(probabilities[0].shape[1]) if probabilities else 0
    return (torch.cat(probabilities) if probabilities else torch.zeros(0, classes)), maps


def _as_maps(activation: torch.Tensor) -> torch.Tensor:
    """A (C, H, W) activation as it is; a linear layer's (N,) outputs as a 1 x 1 x N strip."""
    return activation.view(1, 1, -1) if activation.dim() == 1 else activation


def capture_feature_maps(
    model: nn.Module,
    image: torch.Tensor,
    layer_names: Sequence[str],
    *,
    mean: Sequence[float],
    std: Sequence[float],
    label: str = "",
    index: int = 0,
    limits: MapLimits = MapLimits(),
    autocast: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
) -> dict[str, Any]:
    """The feature-maps payload of one uint8 (C, H, W) image: {"index", "label", "input", "layers"}."""
    _, maps = capture(model, image.unsqueeze(0), layer_names, mean=mean, std=std, limits=limits, autocast=autocast)
    return {"index": index, "label": label, "input": encode_image(image), "layers": maps[0]}
