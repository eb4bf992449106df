"""Fixtures shared across the suite. Torch is imported inside fixtures, so backend-only tests stay light."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def synthetic_data() -> Any:
    """The synthetic dataset (4096 train / 1024 test CIFAR-shaped uint8 images), built once per session."""
    from trainboard.trainer.data.registry import load_dataset

    return load_dataset("synthetic")


@pytest.fixture
def one_thread() -> Iterator[None]:
    """Torch on one CPU thread for the test: the test machines have few cores, shared with other jobs."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
