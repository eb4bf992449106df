"""The optimizer and the loss a config asks for; shared by the training loop and the LR finder."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from trainboard.trainer.config import TrainConfig


def build_optimizer(
    params_or_model: nn.Module | Iterable[torch.nn.Parameter], config: TrainConfig
) -> torch.optim.Optimizer:
    """SGD (momentum, Nesterov, weight decay), Adam or AdamW at config.lr.

    Weight decay is applied as given: the seed's ResNet runs used 5e-4 * batch_size (the presets say so).
    """
    params = params_or_model.parameters() if isinstance(params_or_model, nn.Module) else params_or_model
    if config.optimizer == "sgd":
        if config.nesterov and config.momentum == 0:
            raise ValueError("nesterov: Nesterov momentum needs momentum > 0")
        return torch.optim.SGD(
            params, lr=config.lr, momentum=config.momentum, nesterov=config.nesterov, weight_decay=config.weight_decay
        )
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    raise ValueError(f"optimizer: unknown optimizer {config.optimizer!r}; valid: sgd, adam, adamw")


def build_loss(config: TrainConfig) -> nn.Module:
    """Cross-entropy over class logits, with the config's label smoothing (0 = the seed's plain loss)."""
    return nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
