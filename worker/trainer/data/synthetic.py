"""A small learnable CIFAR-shaped dataset made in memory from a fixed seed, for tests and demos without downloads."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from trainboard.trainer.augment import random_crop
from trainboard.trainer.config import DATASET_TEST_SIZES, DATASET_TRAIN_SIZES
from trainboard.trainer.data.images import ImageData, channel_stats

SYNTHETIC_CLASSES = [f"pattern{k}" for k in range(10)]
SEED = 20240607
# Templates differ by at most 2 x TEMPLATE_SPREAD grey levels, so learning takes more than a few steps: the
# tutorial CNN (SGD lr 0.01, batch 32, dataset normalisation) reaches about 94 % after one epoch, 100 % after three.
TEMPLATE_SPREAD = 24  # grey levels around mid-grey 128
NOISE = 48  # grey levels: per-pixel noise is uniform in [-NOISE, NOISE]
BRIGHTNESS = 40  # grey levels: per-image brightness offset is uniform in [-BRIGHTNESS, BRIGHTNESS]
SHIFT = 3  # pixels: each image shows its template moved by up to this much


def make_synthetic(seed: int = SEED) -> ImageData:
    """4096 train and 1024 test uint8 3x32x32 images of 10 classes; the same tensors for the same seed."""
    generator = torch.Generator().manual_seed(seed)
    num_train, num_test = DATASET_TRAIN_SIZES["synthetic"], DATASET_TEST_SIZES["synthetic"]
    num_images, num_classes = num_train + num_test, len(SYNTHETIC_CLASSES)

    # 1. One template per class: a random 4x4 colour layout around mid-grey, smoothly upsampled to 32x32.
    coarse = 128 + (torch.rand(num_classes, 3, 4, 4, generator=generator) * 2 - 1) * TEMPLATE_SPREAD
    templates = F.interpolate(coarse, size=(32, 32), mode="bilinear", align_corners=False).round()  # (10, 3, 32, 32)

    # 2. Balanced labels in random order.
    labels = torch.randperm(num_images, generator=generator) % num_classes  # (N,)

    # 3. Each image: its template, a brightness offset, per-pixel noise; int16 because the sum leaves 0..255.
    noise = torch.randint(0, 2 * NOISE + 1, (num_images, 3, 32, 32), generator=generator, dtype=torch.int16)
    brightness = torch.randint(-BRIGHTNESS, BRIGHTNESS + 1, (num_images, 1, 1, 1), generator=generator)
    offset = (brightness - NOISE).to(torch.int16)
    images = (templates.to(torch.int16)[labels] + noise + offset).clamp_(0, 255).to(torch.uint8)

    # 4. Shift each image by up to SHIFT pixels (the uncovered border is black).
    images = random_crop(images, SHIFT, generator)  # (N, 3, 32, 32)

    train_x, test_x = images[:num_train], images[num_train:]
    train_y, test_y = labels[:num_train], labels[num_train:]
    mean, std = channel_stats(train_x)
    return ImageData(train_x, train_y, test_x, test_y, list(SYNTHETIC_CLASSES), mean, std, "synthetic")
