"""Channels-last and compiled training: the same losses as eager, the same feature maps by layer name, and
checkpoints that resume with either switched on or off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from tests.trainer.checkpoint_copies import CopyCheckpoints
from trainboard.trainer.checkpoint import CheckpointState, load_checkpoint, save_checkpoint
from trainboard.trainer.config import LRFindConfig, TrainConfig
from trainboard.trainer.lr_finder import run_lr_find
from trainboard.trainer.models import build_model
from trainboard.trainer.presets import build_config
from trainboard.trainer.sink import RecordingSink
from trainboard.trainer.train import Trainer, train

pytestmark = pytest.mark.usefixtures("one_thread")

STEPS_PER_EPOCH = 8  # 256 images in batches of 32: every batch has one shape, so a compiled network compiles once


def _config(**fields: Any) -> TrainConfig:
    return TrainConfig(**{
        "dataset": "synthetic", "device": "cpu", "train_limit": 256, "test_limit": 64, "epochs": 2, "batch_size": 32,
        "lr": 0.02, "log_every": 4, "seed": 5, **fields,
    })


def _losses(sink: RecordingSink, after_step: int = 0) -> dict[int, float]:
    return {p.step: p.value for p in sink.points if p.name == "loss" and p.step > after_step}


def _eager_run(synthetic_data: Any, keep_dir: Path) -> CopyCheckpoints:
    sink = CopyCheckpoints(keep_dir)
    train(_config(), sink, data=synthetic_data, out_dir=keep_dir / "run")
    return sink


def test_channels_last_run_learns_with_the_eager_losses(synthetic_data: Any, tmp_path: Path) -> None:
    eager = _eager_run(synthetic_data, tmp_path)
    sink = RecordingSink()
    trainer = Trainer(_config(channels_last=True), sink, data=synthetic_data)
    assert trainer.model.conv1.weight.is_contiguous(memory_format=torch.channels_last)
    images, _ = next(iter(trainer.train_loader))
    assert images.is_contiguous(memory_format=torch.channels_last) and not images.is_contiguous()
    summary = trainer.run()

    losses = _losses(sink)
    assert sorted(losses) == list(range(1, 2 * STEPS_PER_EPOCH + 1))
    # The same arithmetic in another order: equal up to float rounding, step after step.
    assert losses == pytest.approx(_losses(eager), rel=1e-3)
    assert losses[2 * STEPS_PER_EPOCH] < losses[1]
    assert summary["test_correct"] == pytest.approx(eager.summary["test_correct"], abs=1)
    assert set(sink.artifacts["evaluation"]["feature_maps"]["layers"]) == {"conv1", "conv2"}


def test_compiled_channels_last_run_trains_and_its_checkpoint_resumes_eager(synthetic_data: Any, tmp_path: Path) -> None:
    eager_dir, compiled_dir = tmp_path / "eager", tmp_path / "compiled"
    eager_dir.mkdir()
    compiled_dir.mkdir()
    eager = _eager_run(synthetic_data, eager_dir)

    compiled = CopyCheckpoints(compiled_dir)
    trainer = Trainer(_config(compile=True, channels_last=True), compiled, data=synthetic_data, out_dir=compiled_dir / "run")
    assert trainer.train_network is not trainer.model  # the training steps call the compiled wrapper
    summary = trainer.run()
    assert _losses(compiled) == pytest.approx(_losses(eager), rel=1e-3)
    assert summary["test_total"] == 64 and summary["epochs_completed"] == 2
    # Evaluation and the feature-map hooks ran on the plain module: its layers by name, activations as usual.
    maps = compiled.artifacts["evaluation"]["feature_maps"]["layers"]
    eager_maps = eager.artifacts["evaluation"]["feature_maps"]["layers"]
    assert set(maps) == {"conv1", "conv2"} and maps["conv1"]["full_shape"] == eager_maps["conv1"]["full_shape"]
    saved = torch.load(compiled_dir / "epoch-1.pt", weights_only=True)["model"]
    assert set(saved) == set(build_model("tutorial_cnn").state_dict())  # no `_orig_mod.` prefixes

    resumed = RecordingSink()
    train(_config(), resumed, data=synthetic_data, out_dir=tmp_path / "resumed", resume_from=compiled_dir / "epoch-1.pt")
    assert _losses(resumed) == pytest.approx(_losses(eager, after_step=STEPS_PER_EPOCH), rel=1e-3)
    assert [message for level, message in resumed.logs if level == "warning"] == []  # execution fields only


def test_eager_checkpoint_resumes_channels_last(synthetic_data: Any, tmp_path: Path) -> None:
    eager = _eager_run(synthetic_data, tmp_path)
    resumed = RecordingSink()
    summary = train(_config(channels_last=True), resumed, data=synthetic_data, out_dir=tmp_path / "resumed",
                    resume_from=tmp_path / "epoch-1.pt")
    assert summary["global_step"] == 2 * STEPS_PER_EPOCH
    assert _losses(resumed) == pytest.approx(_losses(eager, after_step=STEPS_PER_EPOCH), rel=1e-3)


def test_channels_last_checkpoint_loads_into_a_contiguous_network_with_its_momentum(tmp_path: Path) -> None:
    torch.manual_seed(0)
    source = build_model("seed_resnet").to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(source.parameters(), lr=0.1, momentum=0.9)
    source(torch.randn(2, 3, 32, 32).contiguous(memory_format=torch.channels_last)).sum().backward()
    optimizer.step()
    path = save_checkpoint(tmp_path / "cl.pt", model=source, optimizer=optimizer, state=CheckpointState(1, 1))

    target = build_model("seed_resnet")
    target_optimizer = torch.optim.SGD(target.parameters(), lr=0.1, momentum=0.9)
    load_checkpoint(path, model=target, optimizer=target_optimizer)
    for (name, value), loaded in zip(source.state_dict().items(), target.state_dict().values()):
        assert torch.equal(value, loaded), name
        assert loaded.is_contiguous(), name
    for parameter in target.parameters():
        momentum = target_optimizer.state[parameter]["momentum_buffer"]
        assert momentum.stride() == parameter.stride()


def test_failed_compilation_trains_on_with_the_plain_network_and_says_so(
    synthetic_data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from torch._dynamo.exc import BackendCompilerFailed

    def no_compiler(model: torch.nn.Module, **options: Any) -> Any:
        def compiled(images: torch.Tensor) -> torch.Tensor:
            raise BackendCompilerFailed(no_compiler, RuntimeError("no C++ compiler found"), None)

        return compiled

    monkeypatch.setattr(torch, "compile", no_compiler)
    eager, sink = RecordingSink(), RecordingSink()
    train(_config(epochs=1), eager, data=synthetic_data)
    train(_config(epochs=1, compile=True), sink, data=synthetic_data)
    assert _losses(sink) == _losses(eager)  # the first batch went through the plain network, and every one after
    warnings = [message for level, message in sink.logs if level == "warning"]
    assert len(warnings) == 1 and "no C++ compiler found" in warnings[0]


def test_lr_range_test_runs_channels_last_uncompiled_and_hands_both_fields_on(synthetic_data: Any) -> None:
    config = LRFindConfig(model="tutorial_cnn", dataset="synthetic", train_limit=256, batch_size=32, num_iter=10,
                          device="cpu", channels_last=True, compile=True)
    sink = RecordingSink()
    result = run_lr_find(config, sink, data=synthetic_data)
    assert len(result.lrs) == 10
    assert any("uncompiled" in message for _, message in sink.logs)
    train_config = sink.artifacts["lr_curve"]["train_config"]
    assert train_config["channels_last"] is True and train_config["compile"] is True


def test_seed_resnet_presets_train_channels_last_uncompiled_and_the_gpu_preset_eager() -> None:
    for name in ("resnet-24ep", "resnet-24ep-aug", "resnet-lrfind"):
        config = build_config(name)
        assert config.channels_last and not config.compile, name
    fast = build_config("fast")
    assert not fast.channels_last and not fast.compile  # for a GPU, where neither is measured
