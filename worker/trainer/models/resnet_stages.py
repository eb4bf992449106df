"""Building blocks shared by the torchvision-style ResNets: stages of BasicBlocks and the usual initialisation."""

from __future__ import annotations

from torch import nn
from torchvision.models.resnet import BasicBlock


def basic_stage(in_channels: int, out_channels: int, blocks: int, stride: int) -> nn.Sequential:
    """`blocks` BasicBlocks; the first changes width/stride through a 1x1 conv + BN shortcut when needed."""
    downsample = None
    if stride != 1 or in_channels != out_channels:
        downsample = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
            nn.BatchNorm2d(out_channels),
        )
    layers = [BasicBlock(in_channels, out_channels, stride=stride, downsample=downsample)]
    layers += [BasicBlock(out_channels, out_channels) for _ in range(blocks - 1)]
    return nn.Sequential(*layers)


def init_resnet_weights(model: nn.Module) -> None:
    """torchvision's ResNet initialisation: Kaiming-normal (fan_out) convolutions, BatchNorm at weight 1, bias 0."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.constant_(module.weight, 1)
            nn.init.constant_(module.bias, 0)
