"""Input-pipeline throughput: DeviceLoader vs a torchvision Dataset + DataLoader with the seed's PIL transforms.

Both pipelines produce the same thing from the same in-memory uint8 images: Pad(4) + RandomCrop(32)
+ RandomHorizontalFlip, normalised float32 batches. CIFAR-10 is used when it is on disk; otherwise
50000 random CIFAR-shaped images stand in (the pipelines' cost does not depend on the pixel values).

    python -m benchmarks.pipeline [--quick] [--batch-size 64]
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

from benchmarks.script_args import benchmark_parser, report_logging
from trainboard.trainer.data import DatasetUnavailableError, load_dataset
from trainboard.trainer.data.loader import DeviceLoader

logger = logging.getLogger(__name__)

FULL_IMAGES = 50_000  # one CIFAR-10 training epoch
QUICK_IMAGES = 5_000
# Normalisation of the seed's ResNet runs: ToTensor + Normalize(0.5, 0.5).
MEAN, STD = (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)


class PILImages(Dataset):
    """What torchvision.datasets.CIFAR10 does per item: uint8 HWC array -> PIL image -> transforms."""

    def __init__(self, images_hwc: np.ndarray, labels: list[int], transform: transforms.Compose) -> None:
        self.images_hwc = images_hwc
        self.labels = labels
        self.transform = transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.transform(Image.fromarray(self.images_hwc[index])), self.labels[index]


def seed_transforms() -> transforms.Compose:
    """The seed report's augmentation and normalisation, as PIL transforms."""
    return transforms.Compose([
        transforms.Pad(4),
        transforms.RandomCrop(32),
        transforms.RandomHorizontalFlip(0.5),
        transforms.ToTensor(),
        transforms.Normalize(MEAN, STD),
    ])


def benchmark_images(count: int) -> tuple[torch.Tensor, torch.Tensor, str]:
    """`count` training images uint8 (N, 3, 32, 32) with labels: CIFAR-10 if present, else random stand-ins."""
    try:
        data = load_dataset("cifar10", download=False).limit(train=count)
        return data.train_x, data.train_y, "cifar10"
    except DatasetUnavailableError:
        generator = torch.Generator().manual_seed(0)
        images = torch.randint(0, 256, (count, 3, 32, 32), generator=generator, dtype=torch.uint8)
        labels = torch.randint(0, 10, (count,), generator=generator)
        return images, labels, "random CIFAR-shaped uint8 (cifar10 not on disk)"


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def device_loader_rate(x: torch.Tensor, y: torch.Tensor, batch_size: int, device: str, repeats: int) -> float:
    """Images per second of the best of `repeats` augmented, normalised DeviceLoader epochs (split already there)."""
    loader = DeviceLoader(
        x, y, batch_size=batch_size, device=device, mean=MEAN, std=STD, shuffle=True, seed=0, pad_crop=True, flip=True
    )
    next(iter(loader))  # first-call costs (allocator, kernels) are not per-epoch costs
    _synchronize(loader.device)
    seconds = []
    for epoch in range(repeats):
        loader.set_epoch(epoch)
        started = time.perf_counter()
        for _images, _labels in loader:
            pass
        _synchronize(loader.device)
        seconds.append(time.perf_counter() - started)
    return loader.num_images / min(seconds)


def dataloader_rate(x: torch.Tensor, y: torch.Tensor, batch_size: int, num_workers: int, repeats: int) -> float:
    """Images per second of the best of `repeats` epochs of PIL transforms through torch's DataLoader.

    Worker start-up is part of each epoch, as in a training loop without persistent workers.
    """
    dataset = PILImages(x.permute(0, 2, 3, 1).contiguous().numpy(), y.tolist(), seed_transforms())
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=num_workers)
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _images, _labels in loader:
            pass
        seconds.append(time.perf_counter() - started)
    return len(dataset) / min(seconds)


def run(quick: bool, batch_size: int = 64) -> dict[str, Any]:
    """Measure both pipelines on the same images in this process; rates are images per second.

    The CPU DeviceLoader runs on one torch thread, so it uses no more cores than the 0-worker DataLoader.
    """
    x, y, source = benchmark_images(QUICK_IMAGES if quick else FULL_IMAGES)
    repeats = 3 if quick else 2
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        cpu_rate = device_loader_rate(x, y, batch_size, "cpu", repeats)
    finally:
        torch.set_num_threads(threads)
    results: dict[str, Any] = {
        "data": source,
        "images": int(x.shape[0]),
        "batch_size": batch_size,
        "repeats": repeats,
        "device_loader_cpu_1_thread": cpu_rate,
        "torchvision_workers_0": dataloader_rate(x, y, batch_size, 0, repeats),
        "torchvision_workers_2": dataloader_rate(x, y, batch_size, 2, repeats),
    }
    if torch.cuda.is_available():
        results["device_loader_cuda"] = device_loader_rate(x, y, batch_size, "cuda", repeats)
    best_torchvision = max(results["torchvision_workers_0"], results["torchvision_workers_2"])
    results["speedup_cpu_vs_best_torchvision"] = cpu_rate / best_torchvision
    if "device_loader_cuda" in results:
        results["speedup_cuda_vs_best_torchvision"] = results["device_loader_cuda"] / best_torchvision
    return results


def main() -> None:
    """Run the benchmark and log a table of images per second."""
    parser = benchmark_parser(__doc__, f"{QUICK_IMAGES} images instead of {FULL_IMAGES}")
    parser.add_argument("--batch-size", type=int, default=64, help="images per batch (the seed's ResNet used 64)")
    args = parser.parse_args()
    report_logging()
    results = run(args.quick, args.batch_size)
    logger.info("data: %s; %d images, batch %d, best of %d epochs",
                results["data"], results["images"], results["batch_size"], results["repeats"])
    logger.info("%-40s %12s", "pipeline (Pad4+Crop32+Flip+Normalize)", "images/s")
    for key, label in [
        ("device_loader_cuda", "DeviceLoader on cuda"),
        ("device_loader_cpu_1_thread", "DeviceLoader on cpu, 1 thread"),
        ("torchvision_workers_2", "torchvision PIL, DataLoader 2 workers"),
        ("torchvision_workers_0", "torchvision PIL, DataLoader 0 workers"),
    ]:
        if key in results:
            logger.info("%-40s %12.0f", label, results[key])
    logger.info("DeviceLoader (cpu) / best torchvision: %.1fx", results["speedup_cpu_vs_best_torchvision"])
    if "speedup_cuda_vs_best_torchvision" in results:
        logger.info("DeviceLoader (cuda) / best torchvision: %.1fx", results["speedup_cuda_vs_best_torchvision"])


if __name__ == "__main__":
    main()
