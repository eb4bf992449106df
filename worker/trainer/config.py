"""The one validated description of a run, shared by the API, the CLI and the trainer.

This module must not import torch: the backend validates configs on its request path with it.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

OptimizerName = Literal["sgd", "adam", "adamw"]
ScheduleName = Literal["constant", "cosine", "onecycle", "step"]
NormalizeName = Literal["half", "dataset"]
RunKind = Literal["train", "lr_find"]
WatchdogAction = Literal["stop", "warn"]

# The built-in networks and datasets; plugins on workers add more (see trainboard.plugins).
MODEL_NAMES: tuple[str, ...] = ("tutorial_cnn", "seed_resnet", "resnet9", "resnet18")
DATASET_NAMES: tuple[str, ...] = (
    "cifar10", "fashion-mnist", "synthetic", "mnist", "kmnist", "cifar100", "stl10", "svhn",
)

# Images per split of the built-in datasets, known without loading anything (validation of batch_size uses these).
DATASET_TRAIN_SIZES = {
    "cifar10": 50_000, "fashion-mnist": 60_000, "synthetic": 4_096, "mnist": 60_000, "kmnist": 60_000,
    "cifar100": 50_000, "stl10": 5_000, "svhn": 73_257,
}
DATASET_TEST_SIZES = {
    "cifar10": 10_000, "fashion-mnist": 10_000, "synthetic": 1_024, "mnist": 10_000, "kmnist": 10_000,
    "cifar100": 10_000, "stl10": 8_000, "svhn": 26_032,
}

NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"  # as trainboard.plugins.registry accepts
TAG_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,39}$"
ModelArgValue = Union[bool, int, float, str]

DEVICE_PATTERN = r"^(auto|cpu|mps|cuda(:\d+)?)$"


class TrainConfig(BaseModel):
    """Everything that determines a training run; stored with the run and in every result file."""

    # Non-finite numbers (NaN, 1e999) are refused: JSON cannot carry them back, and no field means them.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    kind: Literal["train"] = "train"
    name: str | None = Field(None, max_length=200, description="Free-form label shown in the dashboard")
    model: str = Field("tutorial_cnn", pattern=NAME_PATTERN, description="A built-in network or one a worker's plugin offers")
    dataset: str = Field("cifar10", pattern=NAME_PATTERN, description="A built-in dataset or one a worker offers")
    model_args: dict[str, ModelArgValue] = Field(
        default_factory=dict, max_length=32, description="Options of the network, as its registration declares them"
    )
    image_size: int | None = Field(
        None, ge=8, le=512, description="Side in pixels images are resized to; default: the dataset's own"
    )
    train_limit: int | None = Field(None, gt=0, description="Use only the first N training images")
    test_limit: int | None = Field(None, gt=0, description="Use only the first N test images")

    epochs: int = Field(2, gt=0, le=1000)
    batch_size: int = Field(4, gt=0, le=65_536)
    optimizer: OptimizerName = "sgd"
    lr: float = Field(0.001, gt=0, le=100)
    momentum: float = Field(0.9, ge=0, lt=1)
    nesterov: bool = False
    weight_decay: float = Field(0.0, ge=0, le=10)
    schedule: ScheduleName = "constant"
    warmup_epochs: float = Field(0.0, ge=0, le=1000, description="Linear warmup from 0, in epochs")
    step_size_epochs: int = Field(10, gt=0, description="'step' schedule: epochs between decays")
    step_gamma: float = Field(0.1, gt=0, le=1, description="'step' schedule: factor per decay")

    pad_crop: bool = Field(False, description="Pad(4) + RandomCrop(32) at 32 px (the pad scales with the size), on the device")
    flip: bool = Field(False, description="RandomHorizontalFlip(0.5)")
    cutout: int = Field(0, ge=0, le=32, description="Cutout square side in pixels of a 32 px image (scaled with the size); 0 = off")
    normalize: NormalizeName = Field("half", description="'half' = (0.5, 0.5); 'dataset' = its mean/std")
    label_smoothing: float = Field(0.0, ge=0, lt=1)

    seed: int = Field(0, ge=0, le=2**31 - 1)
    device: str = Field("auto", pattern=DEVICE_PATTERN, description="cpu or cuda: only such workers take the run")
    worker_tags: list[str] = Field(
        default_factory=list, max_length=16, description="Tags a worker must carry to take the run, e.g. a100"
    )
    bf16: bool = Field(False, description="bfloat16 autocast (CUDA only; ignored on the CPU)")
    channels_last: bool = Field(
        False, description="Channels-last memory format (N, H, W, C strides) for the network and its input batches"
    )
    compile: bool = Field(
        False, description="torch.compile (inductor) for the training steps; the first step compiles, which takes "
        "a while, with a C++ compiler on a CPU worker (without one the run trains on uncompiled, with a warning). "
        "Evaluation, feature maps and checkpoints use the plain network",
    )
    log_every: int = Field(50, gt=0, le=100_000, description="Steps between reads of the loss from the device")
    log_every_s: float = Field(
        1.0, gt=0, le=86_400, description="Seconds between reads of the loss at most: a read comes after log_every "
        "steps or this many seconds, whichever is first, so the page is live whatever log_every says",
    )
    eval_every: int = Field(1, gt=0, description="Epochs between test-set evaluations")
    watchdog: WatchdogAction = Field(
        "stop", description="On divergence (a non-finite loss, the loss or gradient norm blowing up): 'stop' ends the "
        "run as diverged, keeping the last checkpoint before it; 'warn' logs a warning and trains on",
    )
    watchdog_loss_factor: float | None = Field(
        10.0, gt=1, le=1e6, description="Divergence when the smoothed loss rises above this x its best (and above "
        "its start); empty = off",
    )
    watchdog_grad_factor: float | None = Field(
        100.0, gt=1, le=1e9, description="Divergence when the gradient norm rises above this x its median so far; "
        "empty = off",
    )
    lr_suggestion: str | None = Field(
        None, max_length=200, description="Which LR range test suggestion the lr came from (the launch form fills it "
        "in); a divergence says so",
    )
    feature_layers: list[str] | None = Field(
        None, max_length=8, description="Layers whose activations are captured; default: first two convolutions"
    )

    @field_validator("feature_layers")
    @classmethod
    def _layer_names_are_plain(cls, value: list[str] | None) -> list[str] | None:
        for layer in value or []:
            if not layer or len(layer) > 100 or not all(c.isalnum() or c in "._" for c in layer):
                raise ValueError(f"invalid layer name {layer!r}: use module paths such as 'conv1' or 'layer1.0.conv1'")
        return value

    @field_validator("worker_tags")
    @classmethod
    def _tags_are_plain(cls, value: list[str]) -> list[str]:
        for tag in value:
            if not re.match(TAG_PATTERN, tag):
                raise ValueError(f"invalid worker tag {tag!r}: use up to 40 letters, digits, '_', '.', ':' or '-'")
        return sorted(set(value))

    @model_validator(mode="after")
    def _batch_fits_dataset(self) -> "TrainConfig":
        if self.dataset not in DATASET_TRAIN_SIZES:  # a plugin's dataset: the worker checks it once loaded
            return self
        available = DATASET_TRAIN_SIZES[self.dataset]
        if self.train_limit is not None:
            available = min(available, self.train_limit)
        if self.batch_size > available:
            raise ValueError(
                f"batch_size {self.batch_size} is larger than the {available} training images of {self.dataset}"
            )
        return self


class LRFindConfig(TrainConfig):
    """An LR range test: the training fields choose model, data and optimizer; these choose the sweep.

    The sweep has its own divergence rule (`diverge`): the watchdog fields are kept for the training run
    launched from its suggestion, not applied to the sweep.
    """

    kind: Literal["lr_find"] = "lr_find"  # type: ignore[assignment]
    start_lr: float = Field(1e-7, gt=0, le=100)
    end_lr: float = Field(10.0, gt=0, le=1e6)
    num_iter: int = Field(100, gt=1, le=100_000)
    mode: Literal["exp", "linear"] = "exp"
    smooth: float = Field(0.05, ge=0, lt=1, description="EMA factor for the smoothed loss; 0 = no smoothing")
    diverge: float = Field(5.0, gt=1, description="Stop when smoothed loss > diverge x best smoothed loss")

    @model_validator(mode="after")
    def _end_above_start(self) -> "LRFindConfig":
        if self.end_lr <= self.start_lr:
            raise ValueError(f"end_lr ({self.end_lr}) must be greater than start_lr ({self.start_lr})")
        return self


RunConfig = Annotated[Union[TrainConfig, LRFindConfig], Field(discriminator="kind")]


def config_class(kind: str) -> type[TrainConfig]:
    """The config class for a run kind ('train' or 'lr_find')."""
    return LRFindConfig if kind == "lr_find" else TrainConfig
