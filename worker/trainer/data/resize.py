"""Square images of one side: every split resized once, before training (the loader never resizes)."""

from __future__ import annotations

from dataclasses import replace

import torch
import torch.nn.functional as F

from trainboard.trainer.data.images import ImageData

CHUNK = 4096  # images resized at a time, so a large split never needs a float copy of itself


def _resize(x: torch.Tensor, side: int) -> torch.Tensor:
    """uint8 (N, C, H, W) -> uint8 (N, C, side, side), bilinear with antialiasing when shrinking."""
    out = torch.empty((x.shape[0], x.shape[1], side, side), dtype=torch.uint8)
    for start in range(0, x.shape[0], CHUNK):
        chunk = x[start : start + CHUNK].to(torch.float32)
        resized = F.interpolate(chunk, size=(side, side), mode="bilinear", align_corners=False, antialias=True)
        out[start : start + CHUNK] = resized.round_().clamp_(0, 255).to(torch.uint8)
    return out


def resize_images(data: ImageData, side: int | None) -> ImageData:
    """`data` with both splits at side x side pixels; unchanged when side is None or already the size."""
    if side is None or (data.train_x.shape[2] == side and data.train_x.shape[3] == side):
        return data
    return replace(data, train_x=_resize(data.train_x, side), test_x=_resize(data.test_x, side))
