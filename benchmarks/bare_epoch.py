"""The reference process of the whole-process benchmark: what a minimal training script does, and no more.

Loads the dataset through the same cache as the trainer, builds the same network from the same seed, trains
one epoch of SGD on the same on-device batches, and measures the accuracy on the training and the test
images once (the two lines the seed's tutorial script printed). Not a benchmark of its
own (no `run`): benchmarks/whole_process.py starts it as a process.

    python -m benchmarks.bare_epoch --dataset fashion-mnist --data-dir DIR [--train-limit N]
"""

from __future__ import annotations

import argparse
import logging

import torch

from trainboard.trainer.optim import build_loss, build_optimizer
from trainboard.trainer.presets import build_config
from trainboard.trainer.setup import prepare

logger = logging.getLogger(__name__)


def main() -> None:
    """Train one epoch of the origin-2ep preset and log the train and test accuracy."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--train-limit", type=int, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config = build_config("origin-2ep", {"dataset": args.dataset, "epochs": 1, "device": "cpu",
                                         "train_limit": args.train_limit})
    setup = prepare(config, data_dir=args.data_dir)
    model, optimizer, loss_fn = setup.model, build_optimizer(setup.model, config), build_loss(config)
    loader = setup.train_loader(drop_last=False)
    loader.set_epoch(0)
    model.train()
    for images, labels in loader:
        loss = loss_fn(model(images), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    model.eval()
    for split, x, y in (("train", setup.data.train_x, setup.data.train_y), ("test", setup.data.test_x, setup.data.test_y)):
        correct = 0
        with torch.no_grad():
            for images, labels in setup.eval_loader(x, y, 1000):
                correct += int((model(images).argmax(1) == labels).sum())
        logger.info("%s accuracy %.3f", split, correct / int(y.shape[0]))


if __name__ == "__main__":
    main()
