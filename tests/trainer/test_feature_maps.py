"""Feature maps: activations of named layers as small uint8 blocks, with hooks removed afterwards."""

from __future__ import annotations

import base64

import pytest
import torch

from trainboard.trainer.feature_maps import (
    MAX_CHANNELS,
    MAX_LAYER_BYTES,
    MapLimits,
    UnknownLayerError,
    capture,
    capture_feature_maps,
)
from trainboard.trainer.map_encoding import decode_block, encode_image, encode_maps
from trainboard.trainer.models import build_model, feature_layers


def _image(channels: int = 3, side: int = 32) -> torch.Tensor:
    return torch.arange(channels * side * side, dtype=torch.int64).remainder(256).to(torch.uint8).view(channels, side, side)


def test_tutorial_cnn_maps_after_first_and_second_convolution_as_uint8() -> None:
    torch.manual_seed(0)
    model = build_model("tutorial_cnn").train()
    payload = capture_feature_maps(model, _image(), feature_layers("tutorial_cnn"), mean=[0.5] * 3, std=[0.5] * 3,
                                   label="cat", index=7)
    assert payload["index"] == 7 and payload["label"] == "cat"
    assert torch.equal(decode_block(payload["input"]), _image())  # the input image itself, uint8
    conv1, conv2 = payload["layers"]["conv1"], payload["layers"]["conv2"]
    assert conv1["full_shape"] == [6, 28, 28] and conv1["shape"] == [6, 26, 26]  # 6 x 28 x 28 is over 4 KB
    assert conv2["full_shape"] == [16, 10, 10] and conv2["shape"] == [16, 10, 10]
    for layer in (conv1, conv2):
        size = len(base64.b64decode(layer["data"]))
        assert size == layer["shape"][0] * layer["shape"][1] * layer["shape"][2] <= MAX_LAYER_BYTES
        assert len(layer["lo"]) == len(layer["hi"]) == layer["shape"][0]


def test_maps_decode_to_the_layer_output_for_the_normalized_image() -> None:
    torch.manual_seed(0)
    model = build_model("tutorial_cnn")
    image = _image()
    payload = capture_feature_maps(model, image, ["conv2"], mean=[0.5] * 3, std=[0.5] * 3)
    normalized = ((image.float() / 255 - 0.5) / 0.5).unsqueeze(0)
    expected = model.conv2(model.pool(torch.relu(model.conv1(normalized))))[0]
    layer = payload["layers"]["conv2"]
    lo, hi = torch.tensor(layer["lo"]).view(-1, 1, 1), torch.tensor(layer["hi"]).view(-1, 1, 1)
    decoded = decode_block(layer).float() / 255 * (hi - lo) + lo
    assert decoded == pytest.approx(expected.detach(), abs=float((hi - lo).max()) / 255 + 1e-3)


def test_channels_are_capped_and_hooks_removed_and_mode_restored() -> None:
    model = build_model("resnet9").train()
    first = feature_layers("resnet9")[0]
    payload = capture_feature_maps(model, _image(), [first], mean=[0.5] * 3, std=[0.5] * 3)
    layer = payload["layers"][first]
    assert layer["full_shape"][0] > MAX_CHANNELS
    assert layer["shape"][0] == MAX_CHANNELS
    assert model.training
    assert all(not module._forward_hooks for module in model.modules())


def test_unknown_layer_names_the_layer_and_lists_choices() -> None:
    model = build_model("tutorial_cnn")
    with pytest.raises(UnknownLayerError, match=r"'conv9'.*conv1, conv2"):
        capture_feature_maps(model, _image(), ["conv9"], mean=[0.5] * 3, std=[0.5] * 3)


def test_single_channel_input() -> None:
    model = build_model("tutorial_cnn", in_channels=1)
    payload = capture_feature_maps(model, _image(1), ["conv1"], mean=[0.3], std=[0.3])
    assert payload["input"]["shape"] == [1, 32, 32]
    assert payload["layers"]["conv1"]["full_shape"] == [6, 28, 28]


def test_a_batch_gives_probabilities_and_maps_per_image_within_its_limits() -> None:
    torch.manual_seed(0)
    model = build_model("tutorial_cnn")
    images = torch.stack([_image(), _image().flip(-1)])
    probabilities, maps = capture(model, images, ["conv1"], mean=[0.5] * 3, std=[0.5] * 3,
                                  limits=MapLimits(max_channels=4, max_bytes=256))
    assert probabilities.shape == (2, 10) and probabilities.sum(dim=1) == pytest.approx(torch.ones(2))
    assert [m["conv1"]["shape"] for m in maps] == [[4, 8, 8], [4, 8, 8]]
    assert maps[0]["conv1"]["data"] != maps[1]["conv1"]["data"]


def test_large_images_shrink_to_thumbnails_and_flat_maps_stay_finite() -> None:
    assert encode_image(_image(3, 96))["shape"] == [3, 32, 32]
    assert encode_image(_image(1, 20))["shape"] == [1, 20, 20]
    flat = encode_maps(torch.full((2, 4, 4), 3.0), max_channels=16, max_bytes=4096)
    assert flat["lo"] == flat["hi"] == [3.0, 3.0] and set(decode_block(flat).flatten().tolist()) == {0}
