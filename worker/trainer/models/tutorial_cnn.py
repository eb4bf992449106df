"""The PyTorch tutorial CNN the seed report calls cifar10_origin: two 5x5 convolutions and three linear layers."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class TutorialCNN(nn.Module):
    """conv(C->6, 5x5) - pool - conv(6->16, 5x5) - pool - fc 400-120-84-classes, ReLU between."""

    def __init__(self, in_channels: int = 3, num_classes: int = 10, image_size: int = 32) -> None:
        super().__init__()
        # Each 5x5 convolution trims 4 pixels, each pool halves: 32 -> 28 -> 14 -> 10 -> 5.
        side = ((image_size - 4) // 2 - 4) // 2
        if side < 1:
            raise ValueError(f"tutorial_cnn needs images of at least 14x14 pixels, got {image_size}")
        self.conv1 = nn.Conv2d(in_channels, 6, kernel_size=5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(16 * side * side, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, num_classes) for images (B, C, S, S); the shapes below are for S = 32."""
        x = self.pool(F.relu(self.conv1(x)))  # (B, 6, 14, 14)
        x = self.pool(F.relu(self.conv2(x)))  # (B, 16, 5, 5)
        x = torch.flatten(x, 1)  # (B, 400) = (B, 16 * side * side)
        x = F.relu(self.fc1(x))  # (B, 120)
        x = F.relu(self.fc2(x))  # (B, 84)
        return self.fc3(x)  # (B, num_classes)
