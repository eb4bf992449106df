"""The seed report's small ResNet ("Resnet9" there): torchvision ResNet, one BasicBlock per stage, 3x3 stem."""

from __future__ import annotations

import torch
from torch import nn

from trainboard.trainer.models.resnet_stages import basic_stage, init_resnet_weights


class SeedResNet(nn.Module):
    """Stem conv 3x3 + BN + ReLU + maxpool, four single-block stages (64-128-256-512), average pool, fc."""

    def __init__(self, in_channels: int = 3, num_classes: int = 10, image_size: int = 32) -> None:
        # image_size is unused: the global pooling at the end fits any input size (8x8 and up).
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 64, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = basic_stage(64, 64, blocks=1, stride=1)
        self.layer2 = basic_stage(64, 128, blocks=1, stride=2)
        self.layer3 = basic_stage(128, 256, blocks=1, stride=2)
        self.layer4 = basic_stage(256, 512, blocks=1, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes)
        init_resnet_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, num_classes) for images (B, C, S, S); the shapes below are for S = 32."""
        x = self.relu(self.bn1(self.conv1(x)))  # (B, 64, 32, 32)
        x = self.maxpool(x)  # (B, 64, 16, 16)
        x = self.layer1(x)  # (B, 64, 16, 16)
        x = self.layer2(x)  # (B, 128, 8, 8)
        x = self.layer3(x)  # (B, 256, 4, 4)
        x = self.layer4(x)  # (B, 512, 2, 2)
        x = torch.flatten(self.avgpool(x), 1)  # (B, 512)
        return self.fc(x)  # (B, num_classes)
