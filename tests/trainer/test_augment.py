"""Batched augmentation: crops stay inside the padding, flips mirror exactly, every image draws its own randomness."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF

from trainboard.trainer.augment import cutout, normalize, random_crop, random_flip


def _images(batch: int = 64, seed: int = 0) -> torch.Tensor:
    return torch.randint(0, 256, (batch, 3, 32, 32), generator=torch.Generator().manual_seed(seed), dtype=torch.uint8)


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _crop_offset(padded: torch.Tensor, crop: torch.Tensor, pad: int) -> tuple[int, int] | None:
    """The (top, left) in [0, 2 pad]^2 at which `crop` is a window of `padded`, or None."""
    for top in range(2 * pad + 1):
        for left in range(2 * pad + 1):
            if torch.equal(padded[:, top : top + crop.shape[1], left : left + crop.shape[2]], crop):
                return top, left
    return None


def test_random_crop_shows_each_padded_image_at_an_offset_within_the_padding() -> None:
    x = _images()
    out = random_crop(x, 4, _generator(1))
    assert out.shape == x.shape and out.dtype == torch.uint8
    padded = F.pad(x, (4, 4, 4, 4))
    offsets = [_crop_offset(padded[b], out[b], 4) for b in range(len(x))]
    assert None not in offsets
    assert len(set(offsets)) > 20  # 64 images, 81 possible offsets: each image draws its own


def test_random_crop_reaches_the_extreme_offsets_with_zero_borders() -> None:
    x = torch.full((400, 1, 32, 32), 255, dtype=torch.uint8)
    out = random_crop(x, 4, _generator(0))
    zero_rows_top = (out[:, 0, :, 16] == 0).int().argmin(dim=1)  # zero rows above the image per crop
    assert int(zero_rows_top.max()) == 4 and int(zero_rows_top.min()) == 0
    assert int((out == 0).sum(dim=(1, 2, 3)).max()) == 32 * 32 - 28 * 28  # shifted 4 px both ways at most


def test_random_flip_mirrors_exactly_or_leaves_the_image_alone() -> None:
    x = _images()
    out = random_flip(x, _generator(2))
    flipped = [torch.equal(out[b], x[b].flip(-1)) for b in range(len(x))]
    kept = [torch.equal(out[b], x[b]) for b in range(len(x))]
    assert all(f or k for f, k in zip(flipped, kept, strict=True))
    assert 10 < sum(flipped) < 54  # p = 0.5 per image, independently
    assert torch.equal(random_flip(x, _generator(3), p=1.0), x.flip(-1))
    assert torch.equal(random_flip(x, _generator(3), p=0.0), x)


def test_cutout_zeroes_one_square_inside_each_image() -> None:
    x = torch.full((64, 3, 32, 32), 200, dtype=torch.uint8)
    out = cutout(x, 8, _generator(4))
    corners = set()
    for image in out:
        zero = (image == 0).all(dim=0)  # (H, W)
        rows, cols = zero.nonzero(as_tuple=True)
        assert len(rows) == 64 and int(rows.max() - rows.min()) == 7 and int(cols.max() - cols.min()) == 7
        assert bool((image[:, ~zero] == 200).all())
        corners.add((int(rows.min()), int(cols.min())))
    assert len(corners) > 20
    assert torch.equal(cutout(x, 0, _generator(4)), x)


def test_cutout_works_on_normalized_float_batches() -> None:
    x = torch.ones(4, 3, 32, 32)
    out = cutout(x, 32, _generator(0))
    assert torch.equal(out, torch.zeros_like(x))


def test_normalize_matches_to_tensor_then_normalize() -> None:
    x = _images(8)
    mean, std = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)
    expected = TF.normalize(x.float() / 255, mean, std)
    out = normalize(x, mean, std)
    assert out.dtype == torch.float32
    assert torch.allclose(out, expected, atol=1e-5)


@pytest.mark.parametrize("augment", [
    lambda x, g: random_crop(x, 4, g), lambda x, g: random_flip(x, g), lambda x, g: cutout(x, 8, g)
])
def test_augmentation_is_a_function_of_the_generator_seed(augment) -> None:
    x = _images()
    assert torch.equal(augment(x, _generator(7)), augment(x, _generator(7)))
    assert not torch.equal(augment(x, _generator(7)), augment(x, _generator(8)))
