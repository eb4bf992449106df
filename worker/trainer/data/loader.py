"""DeviceLoader: a dataset split held on the training device as one uint8 tensor, batched and augmented there."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

from trainboard.trainer import augment

CROP_PAD = 4  # pixels: Pad(4) + RandomCrop(32), as in the seed report


def epoch_seed(seed: int, epoch: int) -> int:
    """The generator seed of one epoch: a pure function of (seed, epoch), distinct for nearby pairs."""
    # Odd 64-bit multipliers (from splitmix64) spread consecutive seeds and epochs far apart.
    return (seed * 0x9E3779B97F4A7C15 + (epoch + 1) * 0xBF58476D1CE4E5B9) % (2**63)


class DeviceLoader:
    """Yields (float32 normalised images (B, C, H, W), int64 labels (B,)) on `device`, one epoch per iteration.

    Shuffle order and augmentation depend only on (seed, epoch): call set_epoch(e) before iterating
    epoch e, and a resumed run sees exactly the batches the interrupted one would have.
    """

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        *,
        batch_size: int,
        device: torch.device | str,
        mean: Sequence[float],
        std: Sequence[float],
        shuffle: bool,
        seed: int,
        pad_crop: bool = False,
        flip: bool = False,
        cutout: int = 0,
        drop_last: bool = False,
        memory_format: torch.memory_format = torch.contiguous_format,
    ) -> None:
        if x.dtype != torch.uint8 or x.dim() != 4:
            raise ValueError(f"images must be uint8 (N, C, H, W), got {x.dtype} {tuple(x.shape)}")
        if y.shape != (x.shape[0],):
            raise ValueError(f"labels must have shape ({x.shape[0]},), got {tuple(y.shape)}")
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        if not 0 <= cutout <= min(x.shape[2], x.shape[3]):
            raise ValueError(f"cutout must be between 0 and the image side, got {cutout}")
        self.device = torch.device(device)
        self.x = x.to(self.device)  # uint8 (N, C, H, W): the whole split, copied once
        self.y = y.to(self.device, torch.int64)  # (N,)
        self.batch_size = batch_size
        self.mean = tuple(mean)
        self.std = tuple(std)
        # Kept on the device so that normalising a batch copies nothing from the host.
        self._mean_on_device = torch.tensor(self.mean, dtype=torch.float32, device=self.device)
        self._std_on_device = torch.tensor(self.std, dtype=torch.float32, device=self.device)
        self.shuffle = shuffle
        self.seed = seed
        self.pad_crop = pad_crop
        self.crop_pad = augment.scaled_pixels(CROP_PAD, int(x.shape[2]))  # CROP_PAD at 32x32, scaled with the side
        self.flip = flip
        self.cutout = cutout
        self.drop_last = drop_last
        self.memory_format = memory_format  # of the float batches: torch.channels_last for a channels-last network
        self.epoch = 0

    @property
    def num_images(self) -> int:
        """Images in the split."""
        return int(self.x.shape[0])

    def __len__(self) -> int:
        """Batches per epoch."""
        full, rest = divmod(self.num_images, self.batch_size)
        return full if self.drop_last or rest == 0 else full + 1

    def set_epoch(self, epoch: int) -> None:
        """Choose the epoch whose shuffle order and augmentation the next iteration produces."""
        self.epoch = epoch

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """One epoch of (images float32 (B, C, H, W), labels int64 (B,)) batches on the device."""
        generator = torch.Generator(device=self.device)
        generator.manual_seed(epoch_seed(self.seed, self.epoch))
        if self.shuffle:
            order = torch.randperm(self.num_images, generator=generator, device=self.device)
        else:
            order = torch.arange(self.num_images, device=self.device)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            index = order[start : start + self.batch_size]
            images = self.x.index_select(0, index)  # uint8 (B, C, H, W), gathered on the device
            if self.pad_crop:
                images = augment.random_crop(images, self.crop_pad, generator)
            if self.flip:
                images = augment.random_flip(images, generator)
            batch = augment.normalize(images, self._mean_on_device, self._std_on_device)  # float32 (B, C, H, W)
            if self.cutout:
                # After normalising, as in the Cutout paper: the square becomes the mean colour.
                batch = augment.cutout(batch, self.cutout, generator)
            if self.memory_format != torch.contiguous_format:
                batch = batch.contiguous(memory_format=self.memory_format)  # same values, (N, H, W, C) strides
            yield batch, self.y.index_select(0, index)
