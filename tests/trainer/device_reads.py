"""Counts every way a tensor's value reaches the host (each one a device sync on a GPU) while training epochs run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from trainboard.trainer.train import Trainer

READ_METHODS = ("item", "tolist", "numpy", "__bool__", "__float__", "__int__", "__index__")


@contextmanager
def counted_device_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Yields a list that gets the name of each tensor read made inside Trainer._train_epoch (evaluation left out)."""
    import torch

    reads: list[str] = []
    in_epoch = False

    def counting(name: str) -> Any:
        original = getattr(torch.Tensor, name)

        def read(self: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
            if in_epoch:
                reads.append(name)
            return original(self, *args, **kwargs)

        return read

    for name in READ_METHODS:
        monkeypatch.setattr(torch.Tensor, name, counting(name))
    train_epoch = Trainer._train_epoch

    def counted_epoch(self: Trainer, *args: Any) -> Any:
        nonlocal in_epoch
        in_epoch = True
        try:
            return train_epoch(self, *args)
        finally:
            in_epoch = False

    monkeypatch.setattr(Trainer, "_train_epoch", counted_epoch)
    yield reads
