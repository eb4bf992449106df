"""Do two ways of training agree? The per-step losses of one network from the same weights on the same batches,
eager fp32 against bf16 autocast or against torch.compile. Used by gpu_check.py."""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch import nn

from trainboard.trainer.models import build_model

LR = 0.02
MOMENTUM = 0.9


@dataclass(frozen=True)
class LossTrace:
    """Losses of `steps` SGD steps, and how long the first step took (with compilation, when compiled)."""

    losses: list[float]
    first_step_s: float


def _batches(steps: int, batch_size: int, device: torch.device, seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(seed)
    batches = []
    for _ in range(steps):
        images = torch.rand((batch_size, 3, 32, 32), generator=generator) * 2 - 1
        labels = torch.randint(0, 10, (batch_size,), generator=generator)
        batches.append((images.to(device), labels.to(device)))
    return batches


def loss_trace(model_name: str, batch_size: int, steps: int, device: str, *, bf16: bool = False,
               compiled: bool = False, seed: int = 0) -> LossTrace:
    """Train `model_name` for `steps` steps from the weights seed `seed` gives; losses are read once at the end."""
    target = torch.device(device)
    torch.manual_seed(seed)
    model: nn.Module = build_model(model_name).to(target)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    forward = torch.compile(model) if compiled else model
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    first_step_s = 0.0
    for index, (images, labels) in enumerate(_batches(steps, batch_size, target, seed)):
        started = time.perf_counter()
        with torch.autocast(target.type, dtype=torch.bfloat16, enabled=bf16):
            loss = loss_fn(forward(images), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach().float())
        if index == 0:
            losses[0].item()  # the first step (and its compilation) is timed to its end
            first_step_s = time.perf_counter() - started
    return LossTrace(torch.stack(losses).cpu().tolist(), first_step_s)


def relative_gap(reference: list[float], other: list[float], tail: int = 10) -> dict[str, float]:
    """How far `other` is from `reference`: at the first step (same weights) and over the last `tail` steps."""
    first = abs(other[0] - reference[0]) / abs(reference[0])
    ref_tail = sum(reference[-tail:]) / len(reference[-tail:])
    other_tail = sum(other[-tail:]) / len(other[-tail:])
    return {"first_step": first, "last_steps": abs(other_tail - ref_tail) / abs(ref_tail)}
