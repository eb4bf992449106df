"""Config errors name the field and, for names, list the valid choices; devices resolve or fail clearly."""

from __future__ import annotations

import pytest
import torch
from pydantic import ValidationError

from trainboard.cli.main import format_validation_error
from trainboard.trainer.config import TrainConfig
from trainboard.trainer.data.registry import load_dataset
from trainboard.trainer.device import DeviceUnavailableError, resolve_device
from trainboard.trainer.models import build_model
from trainboard.trainer.presets import UnknownPresetError, build_config


def _error_line(**overrides) -> str:
    with pytest.raises(ValidationError) as caught:
        build_config("origin-2ep", overrides)
    return format_validation_error(caught.value, list(TrainConfig.model_fields))


def test_unknown_model_lists_the_models(tmp_path) -> None:
    with pytest.raises(ValueError) as caught:
        build_model("vgg")
    assert str(caught.value) == "unknown model 'vgg'; valid models: tutorial_cnn, seed_resnet, resnet9, resnet18"


def test_unknown_dataset_lists_the_datasets(tmp_path) -> None:
    with pytest.raises(ValueError) as caught:
        load_dataset("imagenet", tmp_path)
    assert str(caught.value).startswith("unknown dataset 'imagenet'; valid datasets: cifar10, fashion-mnist, synthetic, mnist")


def test_model_and_dataset_names_must_be_plain() -> None:
    assert _error_line(model="../evil").startswith("model: String should match pattern")
    assert _error_line(dataset="Big Data").startswith("dataset: String should match pattern")


def test_zero_epochs_names_the_field() -> None:
    assert _error_line(epochs=0) == "epochs: Input should be greater than 0"


def test_non_positive_lr_and_batch_size_name_their_fields() -> None:
    assert _error_line(lr=0) == "lr: Input should be greater than 0"
    assert _error_line(batch_size=-4) == "batch_size: Input should be greater than 0"


def test_batch_size_above_the_train_set() -> None:
    assert _error_line(dataset="synthetic", batch_size=5000) == (
        "batch_size 5000 is larger than the 4096 training images of synthetic"
    )
    assert _error_line(dataset="synthetic", train_limit=100, batch_size=128) == (
        "batch_size 128 is larger than the 100 training images of synthetic"
    )


def test_unknown_field_lists_the_fields() -> None:
    line = _error_line(epoch=3)
    assert line.startswith("epoch: unknown field; valid fields: kind, name, model, dataset,")
    assert "epochs" in line


def test_several_bad_fields_fit_on_one_line() -> None:
    line = _error_line(epochs=0, lr=-1)
    assert line == "epochs: Input should be greater than 0; lr: Input should be greater than 0"


def test_unknown_preset_lists_the_presets() -> None:
    with pytest.raises(UnknownPresetError, match="unknown preset 'origin'; valid presets: origin-2ep, origin-4ep"):
        build_config("origin")


def test_cpu_and_auto_devices_resolve() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else None
    if expected:
        assert resolve_device("auto").type == "cuda"
    else:
        assert resolve_device("auto").type in ("cpu", "mps")


def test_missing_cuda_device_is_a_clear_error() -> None:
    with pytest.raises(DeviceUnavailableError, match=r"device: 'cuda:99' .*available: cpu"):
        resolve_device("cuda:99")
