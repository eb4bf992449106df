"""ImageData: both splits of a dataset as uint8 tensors, with class names and per-channel statistics."""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch


@dataclass
class ImageData:
    """Train and test images as uint8 (N, C, H, W) tensors with int64 labels; mean/std are fractions of 255."""

    train_x: torch.Tensor  # uint8 (N, C, H, W)
    train_y: torch.Tensor  # int64 (N,)
    test_x: torch.Tensor  # uint8 (M, C, H, W)
    test_y: torch.Tensor  # int64 (M,)
    classes: list[str]
    mean: tuple[float, ...]  # per channel, of the full train split, in [0, 1]
    std: tuple[float, ...]  # per channel, of the full train split, in [0, 1]
    name: str

    def __post_init__(self) -> None:
        for split, x, y in (("train", self.train_x, self.train_y), ("test", self.test_x, self.test_y)):
            found = f"got {x.dtype} {tuple(x.shape)} images, {y.dtype} {tuple(y.shape)} labels"
            if x.dtype != torch.uint8 or x.dim() != 4:
                raise ValueError(f"{self.name} {split} images must be uint8 (N, C, H, W); {found}")
            if y.dtype != torch.int64 or y.shape != (x.shape[0],):
                raise ValueError(f"{self.name} {split} labels must be int64 (N,) for N images; {found}")

    @property
    def in_channels(self) -> int:
        """Channels per image (3 for CIFAR-10, 1 for Fashion-MNIST)."""
        return int(self.train_x.shape[1])

    @property
    def num_classes(self) -> int:
        """Number of classes."""
        return len(self.classes)

    def limit(self, train: int | None = None, test: int | None = None) -> "ImageData":
        """The first `train` training and `test` test images (None keeps a split whole); statistics unchanged."""
        return replace(
            self,
            train_x=self.train_x[:train],
            train_y=self.train_y[:train],
            test_x=self.test_x[:test],
            test_y=self.test_y[:test],
        )


def channel_stats(x: torch.Tensor) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and std of uint8 images (N, C, H, W), as fractions of 255, computed exactly."""
    means, stds = [], []
    values = torch.arange(256, dtype=torch.float64) / 255
    for channel in range(x.shape[1]):
        # A 256-bin histogram is exact and needs no float copy of the whole split.
        counts = torch.bincount(x[:, channel].reshape(-1), minlength=256).to(torch.float64)
        total = counts.sum()
        mean = (counts * values).sum() / total
        var = (counts * (values - mean) ** 2).sum() / total
        means.append(round(float(mean), 6))
        # Floor at one grey level so that normalising a constant channel cannot divide by zero.
        stds.append(round(max(float(var.sqrt()), 1 / 255), 6))
    return tuple(means), tuple(stds)
