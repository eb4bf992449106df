"""Batched image augmentation on whatever device the batch lives on: one tensor op per step, no loop over images.

Every function takes images (B, C, H, W) and a torch.Generator on the same device, so that the
randomness is reproducible; each image in the batch draws its own offsets, flips and squares.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

REFERENCE_SIDE = 32  # augmentation sizes in configs are pixels of a 32x32 image


def scaled_pixels(pixels: int, side: int) -> int:
    """`pixels` of a 32-pixel image at an image side of `side` (at least 1 when pixels > 0); 32 keeps it as is."""
    if pixels <= 0:
        return 0
    return max(1, round(pixels * side / REFERENCE_SIDE))


def random_crop(x: torch.Tensor, pad: int, generator: torch.Generator) -> torch.Tensor:
    """Pad(pad) with zeros then RandomCrop back to (H, W), with an independent offset per image."""
    if pad == 0:
        return x
    batch, _, height, width = x.shape
    padded = F.pad(x, (pad, pad, pad, pad))  # (B, C, H + 2 pad, W + 2 pad)
    # 1. Every possible crop as a view, no copy: (B, C, 2 pad + 1, 2 pad + 1, H, W).
    windows = padded.unfold(2, height, 1).unfold(3, width, 1)
    # 2. Top-left corner of each image's crop in the padded image, uniform in [0, 2 pad].
    top = torch.randint(0, 2 * pad + 1, (batch,), generator=generator, device=x.device)
    left = torch.randint(0, 2 * pad + 1, (batch,), generator=generator, device=x.device)
    # 3. One gather picks window (top[b], left[b]) of image b.
    return windows[torch.arange(batch, device=x.device), :, top, left]  # (B, C, H, W)


def random_flip(x: torch.Tensor, generator: torch.Generator, p: float = 0.5) -> torch.Tensor:
    """Mirror each image left-right with probability p (RandomHorizontalFlip)."""
    batch, _, _, width = x.shape
    flip = torch.rand(batch, generator=generator, device=x.device) < p  # (B,)
    # Each image reads its columns in order or reversed: one gather, no second full-size copy.
    columns = torch.arange(width, device=x.device)
    columns = torch.where(flip[:, None], columns.flip(0), columns)  # (B, W)
    return x.gather(3, columns[:, None, None, :].expand_as(x))


def cutout(x: torch.Tensor, size: int, generator: torch.Generator) -> torch.Tensor:
    """Set one size x size square per image to zero; squares lie wholly inside the image (as in Page's ResNet-9)."""
    if size == 0:
        return x
    batch, _, height, width = x.shape
    top = torch.randint(0, height - size + 1, (batch, 1), generator=generator, device=x.device)
    left = torch.randint(0, width - size + 1, (batch, 1), generator=generator, device=x.device)
    rows = torch.arange(height, device=x.device)
    cols = torch.arange(width, device=x.device)
    row_in = (rows >= top) & (rows < top + size)  # (B, H)
    col_in = (cols >= left) & (cols < left + size)  # (B, W)
    square = row_in[:, None, :, None] & col_in[:, None, None, :]  # (B, 1, H, W)
    return x.masked_fill(square, 0)


def normalize(
    x: torch.Tensor, mean: Sequence[float] | torch.Tensor, std: Sequence[float] | torch.Tensor
) -> torch.Tensor:
    """uint8 images -> float32 (x / 255 - mean) / std per channel; mean and std are fractions of 255.

    Pass mean and std as tensors on x's device in loops: building them from floats copies them to the device.
    """
    mean_per_channel = torch.as_tensor(mean, dtype=torch.float32, device=x.device)
    std_per_channel = torch.as_tensor(std, dtype=torch.float32, device=x.device)
    # (x / 255 - mean) / std = x * scale + shift: one multiply and one add per pixel, in place on the float copy.
    scale = (1 / (255 * std_per_channel))[None, :, None, None]  # (1, C, 1, 1)
    shift = (-mean_per_channel / std_per_channel)[None, :, None, None]  # (1, C, 1, 1)
    return x.to(torch.float32).mul_(scale).add_(shift)
