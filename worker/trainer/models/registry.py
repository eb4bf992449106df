"""The named networks a run can train. Listing them does not import torch; building one does."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class ModelInfo:
    """Where a network's class lives and what the dashboard says about it."""

    module: str
    class_name: str
    description: str
    parameters: int  # for 3x32x32 inputs and 10 classes; tests check it against the built model
    feature_layers: tuple[str, str]  # module names of the first and the second convolution


MODELS: dict[str, ModelInfo] = {
    "tutorial_cnn": ModelInfo(
        "trainboard.trainer.models.tutorial_cnn",
        "TutorialCNN",
        "PyTorch tutorial CNN (the seed's cifar10_origin): two 5x5 convs, three linear layers",
        62_006,
        ("conv1", "conv2"),
    ),
    "seed_resnet": ModelInfo(
        "trainboard.trainer.models.seed_resnet",
        "SeedResNet",
        "The seed report's small ResNet: torchvision BasicBlocks, one per stage, 3x3 stem + maxpool",
        4_903_242,
        ("conv1", "layer1.0.conv1"),
    ),
    "resnet9": ModelInfo(
        "trainboard.trainer.models.resnet9",
        "ResNet9",
        "DAWNBench ResNet-9 (Page, 'How to train your ResNet'): 94 % in a few GPU minutes",
        6_573_120,
        ("prep.conv", "layer1.conv"),
    ),
    "resnet18": ModelInfo(
        "trainboard.trainer.models.resnet18",
        "ResNet18",
        "CIFAR ResNet-18: 3x3 stride-1 stem, no maxpool, two BasicBlocks per stage",
        11_173_962,
        ("conv1", "layer1.0.conv1"),
    ),
}


def _info(name: str) -> ModelInfo:
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; valid models: {', '.join(MODELS)}") from None


def build_model(name: str, in_channels: int = 3, num_classes: int = 10) -> "nn.Module":
    """A freshly initialised network `name` for (B, in_channels, 32, 32) inputs and `num_classes` outputs."""
    info = _info(name)
    model_class = getattr(importlib.import_module(info.module), info.class_name)
    return model_class(in_channels=in_channels, num_classes=num_classes)


def describe_models() -> list[dict[str, Any]]:
    """Name, description and parameter count (3x32x32 inputs, 10 classes) of every network."""
    return [
        {"name": name, "description": info.description, "parameters": info.parameters}
        for name, info in MODELS.items()
    ]


def feature_layers(model_name: str) -> list[str]:
    """Module names of the first and the second convolution of `model_name` (the default feature-map layers)."""
    return list(_info(model_name).feature_layers)
