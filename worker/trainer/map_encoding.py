"""Images and activation maps as small uint8 blocks in base64, for JSON payloads a few KB in size.

A block is {"shape": [C, H, W] as stored, "data": base64 of C*H*W bytes in C, H, W order}; an activation
block also has "lo"/"hi": per channel, the values that 0 and 255 stand for (each map is scaled to its own range,
which is how the page draws it anyway).
"""

from __future__ import annotations

import base64
import math
from typing import Any

import torch
import torch.nn.functional as F

THUMBNAIL_SIDE = 32  # pixels: larger images are shrunk (area average) to fit in THUMBNAIL_SIDE x THUMBNAIL_SIDE


def _b64(values: torch.Tensor) -> str:
    return base64.b64encode(values.to(torch.uint8).contiguous().cpu().numpy().tobytes()).decode("ascii")


def _shrink(values: torch.Tensor, side: int) -> torch.Tensor:
    """(C, H, W) float values area-averaged to fit in side x side (unchanged when they already fit)."""
    height, width = int(values.shape[1]), int(values.shape[2])
    if max(height, width) <= side:
        return values
    scale = side / max(height, width)
    size = (max(1, round(height * scale)), max(1, round(width * scale)))
    return F.interpolate(values.unsqueeze(0), size=size, mode="area")[0]


def encode_image(image: torch.Tensor, side: int = THUMBNAIL_SIDE) -> dict[str, Any]:
    """A uint8 (C, H, W) image as a block, shrunk to fit in side x side."""
    small = _shrink(image.float(), side).round().clamp(0, 255)
    return {"shape": list(small.shape), "data": _b64(small)}


def encode_maps(activation: torch.Tensor, max_channels: int, max_bytes: int) -> dict[str, Any]:
    """The first `max_channels` channels of a (C, H, W) activation, shrunk to at most `max_bytes`, as a block.

    "full_shape" is the activation's own shape, before channels were dropped and maps shrunk.
    """
    full_shape = list(activation.shape)
    kept = activation[:max_channels].float()
    channels, height, width = (int(n) for n in kept.shape)
    if channels * height * width > max_bytes:
        side = max(1, math.isqrt(max_bytes // channels))
        kept = _shrink(kept, side)
    flat = kept.reshape(kept.shape[0], -1)
    lo, hi = flat.min(dim=1).values, flat.max(dim=1).values
    span = torch.where(hi > lo, hi - lo, torch.ones_like(hi))
    scaled = ((kept - lo.view(-1, 1, 1)) / span.view(-1, 1, 1) * 255).round().clamp(0, 255)
    return {
        "full_shape": full_shape,
        "shape": list(kept.shape),
        "lo": [round(v, 5) for v in lo.tolist()],
        "hi": [round(v, 5) for v in hi.tolist()],
        "data": _b64(scaled),
    }


def decode_block(block: dict[str, Any]) -> torch.Tensor:
    """The uint8 (C, H, W) tensor of a block (tests and tools; the page decodes in JavaScript)."""
    raw = base64.b64decode(block["data"])
    return torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(*block["shape"])
