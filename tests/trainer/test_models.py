"""The model registry: shapes for every network, the seed ResNet's exact structure, listings and feature layers."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torchvision.models.resnet import BasicBlock

from trainboard.trainer.config import MODEL_NAMES
from trainboard.trainer.models import build_model, describe_models, feature_layers
from trainboard.trainer.models.resnet9 import ResNet9


def _parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _conv_order(model: nn.Module, x: torch.Tensor) -> list[str]:
    """Names of the Conv2d modules in the order the forward pass runs them."""
    order: list[str] = []
    hooks = [
        module.register_forward_hook(lambda _m, _i, _o, name=name: order.append(name))
        for name, module in model.named_modules()
        if isinstance(module, nn.Conv2d)
    ]
    with torch.no_grad():
        model(x)
    for hook in hooks:
        hook.remove()
    return order


@pytest.mark.parametrize("name", MODEL_NAMES)
@pytest.mark.parametrize(("in_channels", "num_classes"), [(3, 10), (1, 7)])
def test_every_model_maps_32x32_images_to_one_logit_per_class(
    name: str, in_channels: int, num_classes: int, one_thread: None
) -> None:
    torch.manual_seed(0)
    model = build_model(name, in_channels=in_channels, num_classes=num_classes).eval()
    with torch.no_grad():
        logits = model(torch.randn(2, in_channels, 32, 32))
    assert logits.shape == (2, num_classes) and logits.dtype == torch.float32
    assert torch.isfinite(logits).all()


def test_seed_resnet_has_the_printed_structure() -> None:
    model = build_model("seed_resnet")
    assert [name for name, _ in model.named_children()] == [
        "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "fc"
    ]
    stem = model.conv1
    assert (stem.in_channels, stem.out_channels, stem.kernel_size, stem.stride, stem.padding, stem.bias) == (
        3, 64, (3, 3), (1, 1), (1, 1), None
    )
    assert isinstance(model.bn1, nn.BatchNorm2d) and model.bn1.num_features == 64
    assert (model.maxpool.kernel_size, model.maxpool.stride, model.maxpool.padding) == (3, 2, 1)
    widths = [(64, 64, 1), (64, 128, 2), (128, 256, 2), (256, 512, 2)]
    for index, (in_width, out_width, stride) in enumerate(widths, start=1):
        stage = getattr(model, f"layer{index}")
        assert len(stage) == 1 and isinstance(stage[0], BasicBlock)
        block = stage[0]
        first, second = block.conv1, block.conv2
        assert (first.in_channels, first.out_channels, first.stride) == (in_width, out_width, (stride, stride))
        assert (second.in_channels, second.out_channels, second.stride) == (out_width, out_width, (1, 1))
        if stride == 1:
            assert block.downsample is None
        else:
            shortcut, norm = block.downsample
            assert (shortcut.kernel_size, shortcut.stride, shortcut.bias) == ((1, 1), (stride, stride), None)
            assert (shortcut.in_channels, shortcut.out_channels, norm.num_features) == (in_width, out_width, out_width)
    assert isinstance(model.avgpool, nn.AdaptiveAvgPool2d) and model.avgpool.output_size in (1, (1, 1))
    assert (model.fc.in_features, model.fc.out_features) == (512, 10)


def test_seed_resnet_parameter_count_matches_the_count_by_hand() -> None:
    def conv(c_in: int, c_out: int, k: int) -> int:
        return c_in * c_out * k * k  # no bias: BatchNorm follows every convolution

    def bn(c: int) -> int:
        return 2 * c  # weight and bias

    def block(c_in: int, c_out: int) -> int:
        main = conv(c_in, c_out, 3) + bn(c_out) + conv(c_out, c_out, 3) + bn(c_out)
        shortcut = 0 if c_in == c_out else conv(c_in, c_out, 1) + bn(c_out)
        return main + shortcut

    stem = conv(3, 64, 3) + bn(64)  # 1,856
    stages = block(64, 64) + block(64, 128) + block(128, 256) + block(256, 512)
    head = 512 * 10 + 10
    assert stem + stages + head == 4_903_242
    assert _parameters(build_model("seed_resnet")) == stem + stages + head


def test_resnet9_is_page_s_layout_with_scaled_output() -> None:
    model = build_model("resnet9")
    assert isinstance(model, ResNet9) and model.output_scale == 0.125
    widths = {name: module.out_channels for name, module in model.named_modules() if isinstance(module, nn.Conv2d)}
    assert widths["prep.conv"] == 64 and widths["layer1.conv"] == 128
    assert widths["layer2.conv"] == 256 and widths["layer3.conv"] == 512
    assert widths["layer1.residual.res1.conv"] == widths["layer1.residual.res2.conv"] == 128
    assert widths["layer3.residual.res1.conv"] == widths["layer3.residual.res2.conv"] == 512
    assert not any(name.startswith("layer2.residual.") for name in widths)  # layer2 has no residual pair
    model.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        pooled = torch.flatten(model.pool(model.layer3(model.layer2(model.layer1(model.prep(x))))), 1)
        assert torch.allclose(model(x), model.fc(pooled) * 0.125)


def test_resnet18_keeps_32x32_resolution_through_the_stem() -> None:
    model = build_model("resnet18")
    assert not hasattr(model, "maxpool") and model.conv1.kernel_size == (3, 3) and model.conv1.stride == (1, 1)
    assert [len(getattr(model, f"layer{i}")) for i in range(1, 5)] == [2, 2, 2, 2]


def test_describe_models_lists_every_model_with_its_true_parameter_count() -> None:
    described = describe_models()
    assert [entry["name"] for entry in described] == list(MODEL_NAMES)
    for entry in described:
        assert entry["description"]
        assert entry["parameters"] == _parameters(build_model(entry["name"], 3, 10)), entry["name"]


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_feature_layers_are_the_first_two_convolutions_the_forward_pass_runs(name: str, one_thread: None) -> None:
    model = build_model(name).eval()
    assert feature_layers(name) == _conv_order(model, torch.zeros(1, 3, 32, 32))[:2]


def test_tutorial_cnn_feature_layers_are_conv1_and_conv2() -> None:
    assert feature_layers("tutorial_cnn") == ["conv1", "conv2"]


def test_unknown_model_names_raise_listing_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="tutorial_cnn, seed_resnet, resnet9, resnet18"):
        build_model("vgg16")
    with pytest.raises(ValueError, match="resnet9"):
        feature_layers("vgg16")
