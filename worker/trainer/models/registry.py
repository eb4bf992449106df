"""The built-in networks, registered beside plugins' ones. Listing them does not import torch; building one does."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trainboard.plugins.arguments import validate_args
from trainboard.plugins.registry import ModelEntry, add_model, model_entry

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


class _BuiltinBuilder:
    """Imports a built-in network's module (and torch) only when a network is built."""

    def __init__(self, info: ModelInfo) -> None:
        self.info = info

    def __call__(self, in_channels: int, num_classes: int, image_size: int) -> "nn.Module":
        model_class = getattr(importlib.import_module(self.info.module), self.info.class_name)
        return model_class(in_channels=in_channels, num_classes=num_classes, image_size=image_size)


for _name, _info in MODELS.items():
    add_model(ModelEntry(_name, _BuiltinBuilder(_info), _info.description, (), _info.feature_layers, "builtin"))


def build_model(
    name: str,
    in_channels: int = 3,
    num_classes: int = 10,
    image_size: int = 32,
    model_args: dict[str, Any] | None = None,
) -> "nn.Module":
    """A freshly initialised network `name` (built-in or plugin) for (B, in_channels, S, S) inputs.

    Raises ValueError for an unknown name or options that do not fit the network's declared arguments.
    """
    entry = model_entry(name)
    options = validate_args(entry.args, model_args or {}, name)
    return entry.build(in_channels=in_channels, num_classes=num_classes, image_size=image_size, **options)


def describe_models() -> list[dict[str, Any]]:
    """Name, description and parameter count (3x32x32 inputs, 10 classes) of every built-in network."""
    return [
        {"name": name, "description": info.description, "parameters": info.parameters}
        for name, info in MODELS.items()
    ]


def default_feature_layers(model: "nn.Module", model_name: str) -> list[str]:
    """The layers whose activations a run shows unless its config names others.

    The registered choice when there is one, else the first two convolutions of the built network.
    """
    chosen = model_entry(model_name).feature_layers
    if chosen:
        return list(chosen)
    from torch import nn

    return [name for name, module in model.named_modules() if isinstance(module, nn.Conv2d)][:2]


def feature_layers(model_name: str) -> list[str]:
    """Module names of the first and the second convolution of built-in `model_name`."""
    entry = model_entry(model_name)
    return list(entry.feature_layers or ())
