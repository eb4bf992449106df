"""What every use of a config starts with: the device, the seed, the data (limited), its normalization and the model.

Shared by the Trainer, the LR range test and the benchmark's bare loop, so the three train the same
network on the same batches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from trainboard.trainer.augment import scaled_pixels
from trainboard.trainer.config import TrainConfig
from trainboard.trainer.data.images import ImageData
from trainboard.trainer.data.loader import DeviceLoader
from trainboard.trainer.data.registry import load_dataset
from trainboard.trainer.data.resize import resize_images
from trainboard.trainer.device import describe_device, resolve_device
from trainboard.trainer.models import build_model
from trainboard.trainer.step_network import memory_format, training_network


@dataclass
class TrainingSetup:
    """A config made concrete: where it runs, on which images, normalized how, with which network."""

    config: TrainConfig
    device: torch.device
    data: ImageData  # already limited to train_limit / test_limit
    classes: list[str]
    mean: list[float]  # per channel, applied on the device after the uint8 -> float conversion
    std: list[float]
    model: nn.Module  # on `device`, initialised from the config's seed, in the config's memory format

    @property
    def channels(self) -> int:
        return int(self.data.train_x.shape[1])

    @property
    def train_images(self) -> int:
        return int(self.data.train_x.shape[0])

    @property
    def parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    @property
    def memory_format(self) -> torch.memory_format:
        """Of the model's parameters and of every batch the loaders yield (channels-last when the config says so)."""
        return memory_format(self.config.channels_last)

    def training_network(
        self, on_fallback: Callable[[str], None] | None = None
    ) -> Callable[[torch.Tensor], torch.Tensor]:
        """The network the training steps call: the model, compiled when the config says so (at its first call).

        `on_fallback` hears why, when compilation fails and the steps go on with the plain model.
        """
        return training_network(self.model, compile=self.config.compile, on_fallback=on_fallback)

    def train_loader(self, *, drop_last: bool) -> DeviceLoader:
        """Shuffled, augmented training batches as the config asks, on the device."""
        config = self.config
        return DeviceLoader(
            self.data.train_x, self.data.train_y, batch_size=config.batch_size, device=self.device,
            mean=self.mean, std=self.std, shuffle=True, seed=config.seed,
            pad_crop=config.pad_crop, flip=config.flip, drop_last=drop_last,
            cutout=scaled_pixels(config.cutout, int(self.data.train_x.shape[2])), memory_format=self.memory_format,
        )

    def eval_loader(self, x: torch.Tensor, y: torch.Tensor, batch_size: int) -> DeviceLoader:
        """Unshuffled, unaugmented batches of (x, y), normalized like the training batches."""
        return DeviceLoader(
            x, y, batch_size=min(batch_size, int(x.shape[0])), device=self.device,
            mean=self.mean, std=self.std, shuffle=False, seed=self.config.seed, memory_format=self.memory_format,
        )

    def start_info(self) -> dict[str, Any]:
        """The part of on_start's payload that every kind of run reports."""
        return {
            "config": self.config.model_dump(mode="json"),
            "model": self.config.model,
            "parameters": self.parameters,
            "dataset": self.data.name,
            "train_images": self.train_images,
            "test_images": int(self.data.test_x.shape[0]),
            "classes": self.classes,
            "device": describe_device(self.device),
        }


def prepare(
    config: TrainConfig,
    *,
    data_dir: Path | None = None,
    data: ImageData | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> TrainingSetup:
    """Resolve the device, seed torch, load and limit the data, pick the normalization, build the model.

    `on_phase` hears what is being done ("loading cifar10", "building seed_resnet"): the slow parts of a start.
    Raises ValueError when the batch is larger than the training images found (a partial dataset copy).
    """
    say = on_phase or (lambda _phase: None)
    # 1. Device and seed: the model's initial weights depend only on config.seed.
    device = resolve_device(config.device)
    torch.manual_seed(config.seed)
    # 2. Data, limited as the config says; the batch must fit what was found on disk.
    if data is None:
        say(f"loading {config.dataset}")
    loaded = data if data is not None else load_dataset(config.dataset, data_dir=data_dir, image_size=config.image_size)
    images = resize_images(loaded.limit(config.train_limit, config.test_limit), config.image_size)
    train_images = int(images.train_x.shape[0])
    if config.batch_size > train_images:
        raise ValueError(
            f"batch_size {config.batch_size} is larger than the {train_images} training images of {images.name}"
        )
    # 3. Normalization: the seed's Normalize((0.5,)*C, (0.5,)*C), or the dataset's own statistics.
    channels = int(images.train_x.shape[1])
    if config.normalize == "half":
        mean, std = [0.5] * channels, [0.5] * channels
    else:
        mean, std = [float(m) for m in images.mean], [float(s) for s in images.std]
    # 4. The network, sized for the data's channels, side and classes, with the config's options, in its memory format.
    classes = [str(c) for c in images.classes]
    say(f"building {config.model}")
    model = build_model(
        config.model, in_channels=channels, num_classes=len(classes), image_size=int(images.train_x.shape[2]),
        model_args=config.model_args,
    ).to(device, memory_format=memory_format(config.channels_last))
    return TrainingSetup(config, device, images, classes, mean, std, model)
