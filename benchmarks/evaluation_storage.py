"""Bytes kept per test evaluation: the evaluation payload (confusion, per-class, feature maps as uint8) and its
mistakes gallery, as the server stores them (compact JSON), and the seconds the trainer spends building them.

Two cases per network: a real evaluation of a briefly trained net on the synthetic CIFAR-shaped data, and the
largest gallery there is at 10 classes: a test set of TEST_IMAGES images where every off-diagonal cell has
mistakes enough to keep its 3 images (270 images). Times are the median of ROUNDS builds after a warm-up.

    python -m benchmarks.evaluation_storage [--quick]
"""

from __future__ import annotations

import logging
import statistics
import time
from typing import Any

import torch

from benchmarks.script_args import benchmark_parser, report_logging
from trainboard.common.jsonsafe import dumps_compact
from trainboard.trainer.config import TrainConfig
from trainboard.trainer.data.registry import load_dataset
from trainboard.trainer.evaluate import EvalResult
from trainboard.trainer.evaluation_artifacts import EvaluationInputs, evaluation_artifacts
from trainboard.trainer.models import build_model, default_feature_layers
from trainboard.trainer.sink import RecordingSink
from trainboard.trainer.train import train

logger = logging.getLogger(__name__)

MODELS = ("tutorial_cnn", "seed_resnet")
TEST_IMAGES = 10_000  # the size of the CIFAR-10 and Fashion-MNIST test sets
QUICK_TEST_IMAGES = 1_000
ROUNDS = 3


def _size(payload: dict[str, Any]) -> int:
    return len(dumps_compact(payload).encode())


def _trained(model: str, data: Any, quick: bool) -> dict[str, int]:
    """Bytes of the last evaluation of a short real run."""
    config = TrainConfig(dataset="synthetic", device="cpu", model=model, epochs=1, batch_size=64, lr=0.01,
                         train_limit=256 if quick else 2048, log_every=50)
    sink = RecordingSink()
    train(config, sink, data=data)
    evaluation, mistakes = sink.artifacts["evaluation"], sink.artifacts["mistakes"]
    return {
        "evaluation_bytes": _size(evaluation),
        "feature_map_bytes": _size(evaluation["feature_maps"]),
        "mistakes_bytes": _size(mistakes),
        "mistake_images": sum(len(cell["images"]) for cell in mistakes["cells"]),
    }


def _full_gallery(model_name: str, images: int) -> dict[str, float]:
    """Bytes and build time when all 90 off-diagonal cells keep 3 images."""
    generator = torch.Generator().manual_seed(0)
    test_x = torch.randint(0, 256, (images, 3, 32, 32), dtype=torch.uint8, generator=generator)
    test_y = torch.arange(images) % 10
    # Every image wrong, its predicted class cycling through the 9 others: each cell gets images / 90.
    predictions = [(label + 1 + (i // 10) % 9) % 10 for i, label in enumerate(test_y.tolist())]
    matrix = [[0] * 10 for _ in range(10)]
    for label, predicted in zip(test_y.tolist(), predictions):
        matrix[label][predicted] += 1
    result = EvalResult(loss=2.3, correct=0, total=images, confusion=matrix, per_class=[0.0] * 10,
                        predictions=predictions)
    model = build_model(model_name)
    inputs = EvaluationInputs(model=model, test_x=test_x, test_y=test_y, classes=[str(c) for c in range(10)],
                              layer_names=default_feature_layers(model, model_name), mean=[0.5] * 3, std=[0.25] * 3)
    evaluation_artifacts(inputs, result, 1, 1)  # warm-up: first-use costs of the kernels
    seconds = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        built = evaluation_artifacts(inputs, result, 1, 1)
        seconds.append(time.perf_counter() - started)
    return {
        "full_mistakes_bytes": _size(built["mistakes"]),
        "full_mistake_images": sum(len(cell["images"]) for cell in built["mistakes"]["cells"]),
        "full_build_s": statistics.median(seconds),
    }


def run(quick: bool) -> dict[str, Any]:
    """Bytes per evaluation and per mistakes gallery, and the time to build them, per network."""
    data = load_dataset("synthetic")
    images = QUICK_TEST_IMAGES if quick else TEST_IMAGES
    results: dict[str, Any] = {"test_images_full_case": images}
    for model in MODELS:
        measured = {**_trained(model, data, quick), **_full_gallery(model, images)}
        results.update({f"{model}_{key}": value for key, value in measured.items()})
    return results


def main() -> None:
    """Run the benchmark and log its figures."""
    parser = benchmark_parser(__doc__, f"shorter training, {QUICK_TEST_IMAGES:,} test images in the full case")
    args = parser.parse_args()
    report_logging()
    results = run(args.quick)
    for model in MODELS:
        r = {key[len(model) + 1:]: value for key, value in results.items() if key.startswith(model)}
        logger.info("%s: evaluation %d bytes (feature maps %d); mistakes %d bytes for %d images; all 90 cells: "
                    "%d bytes for %d images, built in %.3f s", model, r["evaluation_bytes"], r["feature_map_bytes"],
                    r["mistakes_bytes"], r["mistake_images"], r["full_mistakes_bytes"], r["full_mistake_images"],
                    r["full_build_s"])


if __name__ == "__main__":
    main()
