"""The DAWNBench ResNet-9 of Page's "How to train your ResNet": 94 % on CIFAR-10 in minutes on one GPU."""

from __future__ import annotations

import torch
from torch import nn


class ConvBN(nn.Module):
    """3x3 convolution (no bias: BatchNorm follows), BatchNorm, ReLU; keeps the spatial size."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, in, H, W) -> (B, out, H, W)."""
        return self.relu(self.bn(self.conv(x)))


class Residual(nn.Module):
    """x + ConvBN(ConvBN(x)) at constant width."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.res1 = ConvBN(channels, channels)
        self.res2 = ConvBN(channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> (B, C, H, W)."""
        return x + self.res2(self.res1(x))


class Stage(nn.Module):
    """ConvBN to a new width, 2x2 max pool, then an optional residual pair."""

    def __init__(self, in_channels: int, out_channels: int, residual: bool) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.pool = nn.MaxPool2d(2)
        self.residual = Residual(out_channels) if residual else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, in, H, W) -> (B, out, H/2, W/2)."""
        x = self.pool(self.relu(self.bn(self.conv(x))))
        return self.residual(x)


class ResNet9(nn.Module):
    """prep 64 - layer1 128 + residual - layer2 256 - layer3 512 + residual - global max pool - fc, x 0.125."""

    # Page scales the logits by 1/8 so that the softmax starts soft with this un-normalised head.
    output_scale = 0.125

    def __init__(self, in_channels: int = 3, num_classes: int = 10, image_size: int = 32) -> None:
        # image_size is unused: the global pooling at the end fits any input size (8x8 and up).
        super().__init__()
        self.prep = ConvBN(in_channels, 64)
        self.layer1 = Stage(64, 128, residual=True)
        self.layer2 = Stage(128, 256, residual=False)
        self.layer3 = Stage(256, 512, residual=True)
        self.pool = nn.AdaptiveMaxPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, num_classes) for images (B, C, S, S); the shapes below are for S = 32."""
        x = self.prep(x)  # (B, 64, 32, 32)
        x = self.layer1(x)  # (B, 128, 16, 16)
        x = self.layer2(x)  # (B, 256, 8, 8)
        x = self.layer3(x)  # (B, 512, 4, 4)
        x = torch.flatten(self.pool(x), 1)  # (B, 512)
        return self.fc(x) * self.output_scale  # (B, num_classes)
