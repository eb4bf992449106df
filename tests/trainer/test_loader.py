"""DeviceLoader: whole epochs, exact normalisation, and batches that depend only on (seed, epoch)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from trainboard.trainer.augment import normalize
from trainboard.trainer.data.loader import DeviceLoader

MEAN, STD = (0.5, 0.4, 0.3), (0.25, 0.2, 0.3)


def _split(n: int = 40) -> tuple[torch.Tensor, torch.Tensor]:
    """n distinct random images and labels 0..n-1, so every label names its image."""
    x = torch.randint(0, 256, (n, 3, 32, 32), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)
    return x, torch.arange(n)


def _loader(x: torch.Tensor, y: torch.Tensor, **options) -> DeviceLoader:
    settings = dict(batch_size=8, device="cpu", mean=MEAN, std=STD, shuffle=True, seed=0) | options
    return DeviceLoader(x, y, **settings)


def _epoch(loader: DeviceLoader, epoch: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    loader.set_epoch(epoch)
    return list(loader)


def _unnormalize(batch: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor(MEAN)[None, :, None, None]
    std = torch.tensor(STD)[None, :, None, None]
    return ((batch * std + mean) * 255).round().to(torch.uint8)


def test_an_epoch_yields_every_image_once_with_its_own_label() -> None:
    x, y = _split()
    batches = _epoch(_loader(x, y), 0)
    labels = torch.cat([labels for _, labels in batches])
    assert sorted(labels.tolist()) == list(range(40)) and labels.tolist() != list(range(40))  # all, shuffled
    for images, batch_labels in batches:
        assert torch.equal(_unnormalize(images), x[batch_labels])


def test_unshuffled_unaugmented_batches_are_the_normalized_split_in_order() -> None:
    x, y = _split()
    batches = _epoch(_loader(x, y, shuffle=False, batch_size=16), 0)
    images = torch.cat([b for b, _ in batches])
    assert images.dtype == torch.float32 and images.device.type == "cpu"
    assert torch.equal(images, normalize(x, MEAN, STD))
    assert torch.cat([labels for _, labels in batches]).dtype == torch.int64


def test_length_counts_the_last_partial_batch_unless_dropped() -> None:
    x, y = _split(10)
    loader = _loader(x, y, batch_size=4)
    assert (len(loader), loader.num_images) == (3, 10)
    assert [len(labels) for _, labels in loader] == [4, 4, 2]
    dropping = _loader(x, y, batch_size=4, drop_last=True)
    assert len(dropping) == 2 and [len(labels) for _, labels in dropping] == [4, 4]
    assert len(_loader(x, y, batch_size=5)) == 2


def test_same_seed_and_epoch_give_identical_augmented_batches_after_a_resume() -> None:
    x, y = _split()
    options = dict(pad_crop=True, flip=True, cutout=8, seed=3)
    uninterrupted = _loader(x, y, **options)
    epochs = [_epoch(uninterrupted, e) for e in range(3)]
    resumed = _loader(x, y, **options)  # a new process that starts again at epoch 2
    for (a_images, a_labels), (b_images, b_labels) in zip(epochs[2], _epoch(resumed, 2), strict=True):
        assert torch.equal(a_images, b_images) and torch.equal(a_labels, b_labels)
    assert not torch.equal(epochs[0][0][1], epochs[1][0][1])  # another epoch, another order
    other_seed = _epoch(_loader(x, y, **(options | {"seed": 4})), 2)
    assert not torch.equal(other_seed[0][1], epochs[2][0][1])


def test_augmented_images_are_crops_and_flips_of_their_own_image() -> None:
    x, y = _split(24)
    batches = _epoch(_loader(x, y, pad_crop=True, flip=True), 0)
    padded = F.pad(x, (4, 4, 4, 4))
    flipped_count = 0
    for images, labels in batches:
        for image, label in zip(_unnormalize(images), labels, strict=True):
            source = padded[label]
            windows = [source[:, top : top + 32, left : left + 32] for top in range(9) for left in range(9)]
            plain = any(torch.equal(image, w) for w in windows)
            mirrored = any(torch.equal(image.flip(-1), w) for w in windows)
            assert plain or mirrored
            flipped_count += int(mirrored and not plain)
    assert 0 < flipped_count < 24


def test_loader_refuses_float_images_and_mismatched_labels() -> None:
    x, y = _split(4)
    with pytest.raises(ValueError, match="uint8"):
        _loader(x.float(), y)
    with pytest.raises(ValueError, match="labels"):
        _loader(x, y[:3])
