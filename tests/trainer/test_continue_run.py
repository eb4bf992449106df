"""Continuing a run from another run's checkpoint: same weights and step, this run's settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from trainboard.trainer.checkpoint import CheckpointState, save_checkpoint
from trainboard.trainer.config import TrainConfig
from trainboard.trainer.continuation import load_to_continue
from trainboard.trainer.sink import RecordingSink
from trainboard.trainer.train import train

pytestmark = pytest.mark.usefixtures("one_thread")


def _config(**changes: Any) -> TrainConfig:
    fields = dict(dataset="synthetic", device="cpu", train_limit=320, test_limit=64, epochs=2, batch_size=32,
                  lr=0.02, momentum=0.9, pad_crop=True, log_every=4, seed=3)
    return TrainConfig(**{**fields, **changes})


def _points(sink: RecordingSink, name: str) -> dict[int, float]:
    return {p.step: p.value for p in sink.points if p.name == name}


def test_continuing_with_more_epochs_trains_on_as_if_never_stopped(synthetic_data: Any, tmp_path: Path) -> None:
    longer = RecordingSink()
    train(_config(epochs=3), longer, data=synthetic_data)
    parent = RecordingSink()
    train(_config(epochs=2), parent, data=synthetic_data, out_dir=tmp_path / "parent")

    child = RecordingSink()
    summary = train(_config(epochs=3), child, data=synthetic_data, out_dir=tmp_path / "child",
                    start_from=tmp_path / "parent" / "checkpoint.pt")

    # A constant lr and the RNG state from the checkpoint: epoch 3 is the 3-epoch run's epoch 3, bit for bit.
    assert sorted(_points(child, "loss")) == list(range(21, 31))
    assert _points(child, "loss") == {s: v for s, v in _points(longer, "loss").items() if s > 20}
    assert sorted(_points(child, "test_acc")) == [3]
    assert child.info["start_step"] == 20 and child.info["resumed"] is False
    assert summary["epochs_completed"] == 3 and summary["global_step"] == 30
    assert any(m == "continuing a checkpoint after epoch 2, step 20, with epochs 2 -> 3" for _, m in child.logs)


def test_continuing_with_a_lower_lr_and_no_momentum_uses_them(synthetic_data: Any, tmp_path: Path) -> None:
    longer = RecordingSink()
    train(_config(epochs=3), longer, data=synthetic_data)
    train(_config(), RecordingSink(), data=synthetic_data, out_dir=tmp_path / "parent")
    child = RecordingSink()
    train(_config(epochs=3, lr=0.002, momentum=0.0), child, data=synthetic_data, out_dir=tmp_path / "child",
          start_from=tmp_path / "parent" / "checkpoint.pt")

    assert set(_points(child, "lr").values()) == {0.002}
    child_losses, longer_losses = _points(child, "loss"), _points(longer, "loss")
    # Step 21's loss is computed before its update: the parent's weights on the same batch give the same loss.
    assert child_losses[21] == longer_losses[21]
    # From step 22 on, the other lr and momentum move the weights differently.
    assert all(child_losses[s] != longer_losses[s] for s in range(22, 31))
    assert any("lr 0.02 -> 0.002" in m and "momentum 0.9 -> 0.0" in m for _, m in child.logs)


def test_the_optimizer_keeps_its_state_but_takes_the_new_hyperparameters(tmp_path: Path) -> None:
    model = torch.nn.Linear(3, 2)
    saved = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    model(torch.ones(1, 3)).sum().backward()
    saved.step()  # a momentum buffer now exists
    save_checkpoint(tmp_path / "c.pt", model=model, optimizer=saved, state=CheckpointState(epoch=1, global_step=5))

    fresh = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5, weight_decay=0.0)
    state = load_to_continue(tmp_path / "c.pt", model=model, optimizer=fresh)
    group = fresh.param_groups[0]
    assert (group["lr"], group["momentum"], group["weight_decay"]) == (0.01, 0.5, 0.0)
    assert torch.equal(fresh.state[model.weight]["momentum_buffer"], saved.state[model.weight]["momentum_buffer"])
    assert (state.epoch, state.global_step) == (1, 5)
