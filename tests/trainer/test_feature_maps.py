"""Feature maps: activations of named layers for one image, as plain lists, with hooks removed afterwards."""

from __future__ import annotations

import pytest
import torch

from trainboard.trainer.feature_maps import MAX_CHANNELS, UnknownLayerError, capture_feature_maps
from trainboard.trainer.models import build_model, feature_layers


def _shape(nested: list) -> list[int]:
    shape = []
    while isinstance(nested, list):
        shape.append(len(nested))
        nested = nested[0]
    return shape


def _image(channels: int = 3) -> torch.Tensor:
    return torch.arange(channels * 32 * 32, dtype=torch.int64).remainder(256).to(torch.uint8).view(channels, 32, 32)


def test_tutorial_cnn_maps_after_first_and_second_convolution() -> None:
    torch.manual_seed(0)
    model = build_model("tutorial_cnn").train()
    payload = capture_feature_maps(
        model, _image(), feature_layers("tutorial_cnn"), mean=[0.5] * 3, std=[0.5] * 3, label="cat", epoch=2
    )
    assert payload["epoch"] == 2 and payload["label"] == "cat"
    assert _shape(payload["input"]) == [3, 32, 32]
    flat_input = [v for plane in payload["input"] for row in plane for v in row]
    assert min(flat_input) >= 0.0 and max(flat_input) <= 1.0
    assert payload["input"][0][0][1] == pytest.approx(1 / 255, abs=1e-4)
    conv1, conv2 = payload["layers"]["conv1"], payload["layers"]["conv2"]
    assert conv1["shape"] == [6, 28, 28] and _shape(conv1["maps"]) == [6, 28, 28]
    assert conv2["shape"] == [16, 10, 10] and _shape(conv2["maps"]) == [16, 10, 10]
    assert isinstance(conv1["maps"][0][0][0], float)


def test_maps_equal_the_layer_output_for_the_normalized_image() -> None:
    torch.manual_seed(0)
    model = build_model("tutorial_cnn")
    image = _image()
    payload = capture_feature_maps(model, image, ["conv1"], mean=[0.5] * 3, std=[0.5] * 3)
    expected = model.conv1(((image.float() / 255 - 0.5) / 0.5).unsqueeze(0))[0]
    assert torch.tensor(payload["layers"]["conv1"]["maps"]) == pytest.approx(expected.detach(), abs=1e-4)


def test_channels_are_capped_and_hooks_removed_and_mode_restored() -> None:
    model = build_model("resnet9").train()
    first = feature_layers("resnet9")[0]
    payload = capture_feature_maps(model, _image(), [first], mean=[0.5] * 3, std=[0.5] * 3)
    layer = payload["layers"][first]
    assert layer["shape"][0] > MAX_CHANNELS
    assert len(layer["maps"]) == MAX_CHANNELS
    assert model.training
    assert all(not module._forward_hooks for module in model.modules())


def test_unknown_layer_names_the_layer_and_lists_choices() -> None:
    model = build_model("tutorial_cnn")
    with pytest.raises(UnknownLayerError, match=r"'conv9'.*conv1, conv2"):
        capture_feature_maps(model, _image(), ["conv9"], mean=[0.5] * 3, std=[0.5] * 3)


def test_single_channel_input() -> None:
    model = build_model("tutorial_cnn", in_channels=1)
    payload = capture_feature_maps(model, _image(1), ["conv1"], mean=[0.3], std=[0.3])
    assert _shape(payload["input"]) == [1, 32, 32]
    assert payload["layers"]["conv1"]["shape"] == [6, 28, 28]
