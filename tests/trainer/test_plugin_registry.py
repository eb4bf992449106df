"""The plugin registry: networks and datasets by name, their declared options, and loading plugins from files,
modules, TRAINBOARD_PLUGINS and installed packages' entry points."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
import torch
from torch import nn

import trainboard
from trainboard.plugins.arguments import ArgError, ArgSpec, specs_from_signature, validate_args
from trainboard.plugins.loading import PluginError, load_plugin, load_plugins
from trainboard.plugins.registry import (
    RegistrationError,
    UnknownNameError,
    dataset_entry,
    model_entry,
    registered_models,
    unregister,
)
from trainboard.trainer.models import build_model, default_feature_layers


class TinyNet(nn.Module):
    """A one-convolution test network."""

    def __init__(self, in_channels: int, num_classes: int, image_size: int, width: int = 8,
                 act: Literal["relu", "tanh"] = "relu", dropout: float = 0.0) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, width, 3, padding=1)
        self.act = nn.ReLU() if act == "relu" else nn.Tanh()
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(self.act(self.conv(x)).mean((2, 3))))


@pytest.fixture
def forget() -> Iterator[list[str]]:
    """Names a test registers; they are unregistered afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        unregister(name)


def test_options_come_from_the_signature_with_types_defaults_and_choices() -> None:
    specs = {spec.name: spec for spec in specs_from_signature(TinyNet)}
    assert list(specs) == ["width", "act", "dropout"]
    assert specs["width"] == ArgSpec("width", "int", 8, False, None)
    assert specs["act"].type == "str" and specs["act"].choices == ("relu", "tanh")
    assert specs["dropout"].type == "float" and specs["dropout"].default == 0.0
    assert ArgSpec.from_json(specs["act"].to_json()) == specs["act"]


def test_a_builder_without_the_data_parameters_or_with_an_unannotated_option_is_refused(forget: list[str]) -> None:
    def no_size(in_channels: int, num_classes: int) -> nn.Module:
        return nn.Linear(in_channels, num_classes)

    def untyped(in_channels, num_classes, image_size, width=3):  # type: ignore[no-untyped-def]
        return nn.Linear(in_channels, num_classes)

    with pytest.raises(RegistrationError, match="image_size"):
        trainboard.register_model("no-size", no_size)
    with pytest.raises(RegistrationError, match="width"):
        trainboard.register_model("untyped", untyped)
    with pytest.raises(RegistrationError, match="lowercase"):
        trainboard.register_model("Bad Name", TinyNet)
    assert "no-size" not in registered_models() and "untyped" not in registered_models()


def test_validation_fills_defaults_and_names_the_argument_that_does_not_fit() -> None:
    specs = specs_from_signature(TinyNet)
    assert validate_args(specs, {"width": 16}, "tiny") == {"width": 16, "act": "relu", "dropout": 0.0}
    assert validate_args(specs, {"dropout": 1}, "tiny")["dropout"] == 1.0  # an int is a float
    cases = [({"width": "wide"}, "width", "expected int"), ({"width": 2.5}, "width", "expected int"),
             ({"width": True}, "width", "expected int"), ({"act": "gelu"}, "act", "not one of"),
             ({"depth": 3}, "depth", "takes no argument 'depth'"), ({"dropout": float("nan")}, "dropout", "float")]
    for values, field, message in cases:
        with pytest.raises(ArgError, match=message) as caught:
            validate_args(specs, values, "tiny")
        assert caught.value.field == field


def test_a_required_option_must_be_given() -> None:
    def needs_depth(in_channels: int, num_classes: int, image_size: int, depth: int) -> nn.Module:
        return nn.Linear(in_channels, num_classes)

    specs = specs_from_signature(needs_depth)
    assert specs[0].required
    with pytest.raises(ArgError, match="needs this argument") as caught:
        validate_args(specs, {}, "deep")
    assert caught.value.field == "depth"


def test_a_registered_network_is_built_by_name_with_its_options(forget: list[str]) -> None:
    forget.append("tiny")
    assert trainboard.register_model("tiny", TinyNet, feature_layers=["conv"]) is TinyNet
    trainboard.register_model("tiny", TinyNet)  # the same builder again is a no-op
    model = build_model("tiny", in_channels=1, num_classes=4, image_size=20, model_args={"width": 5, "act": "tanh"})
    assert model.conv.out_channels == 5 and isinstance(model.act, nn.Tanh)
    assert model(torch.zeros(2, 1, 20, 20)).shape == (2, 4)
    assert default_feature_layers(model, "tiny") == ["conv"]
    assert model_entry("tiny").description == "A one-convolution test network."
    with pytest.raises(ArgError):
        build_model("tiny", in_channels=1, num_classes=4, image_size=20, model_args={"width": "x"})


def test_the_decorator_form_registers_and_a_taken_name_is_refused(forget: list[str]) -> None:
    forget.append("decorated")

    @trainboard.register_model("decorated", description="made by a function")
    def decorated(in_channels: int, num_classes: int, image_size: int, hidden: int = 4) -> nn.Module:
        return nn.Sequential(nn.Flatten(), nn.Linear(in_channels * image_size * image_size, num_classes))

    assert model_entry("decorated").build is decorated
    assert model_entry("decorated").source == __name__
    with pytest.raises(RegistrationError, match="already registered"):
        trainboard.register_model("decorated", TinyNet)
    with pytest.raises(RegistrationError, match="already registered"):
        trainboard.register_model("tutorial_cnn", TinyNet)
    with pytest.raises(UnknownNameError, match="valid models: tutorial_cnn"):
        model_entry("nowhere")


PLUGIN_FILE = '''
import numpy as np
from torch import nn
import trainboard

@trainboard.register_model("file-net")
def file_net(in_channels: int, num_classes: int, image_size: int, width: int = 2) -> nn.Module:
    return nn.Sequential(nn.Conv2d(in_channels, width, 3), nn.Flatten(), nn.LazyLinear(num_classes))

@trainboard.register_dataset("file-data")
def file_data(data_dir):
    x = np.zeros((4, 8, 8), np.uint8)
    return {"x_train": x, "y_train": np.arange(4) % 2, "x_test": x[:2], "y_test": np.array([0, 1])}
'''


def test_a_plugin_file_registers_its_network_and_dataset_once(tmp_path: Path, forget: list[str]) -> None:
    forget += ["file-net", "file-data"]
    path = tmp_path / "my_nets.py"
    path.write_text(PLUGIN_FILE)
    load_plugin(str(path))
    load_plugin(str(path))  # loading the same file twice registers nothing twice
    assert model_entry("file-net").args[0].name == "width"
    entry = dataset_entry("file-data")
    assert entry is not None and entry.load(tmp_path)["x_train"].shape == (4, 8, 8)


def test_plugins_load_from_the_environment_and_by_module_name(
    tmp_path: Path, forget: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    forget += ["file-net", "file-data", "module-net"]
    (tmp_path / "envplugin.py").write_text(PLUGIN_FILE)
    package = tmp_path / "mypkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "nets.py").write_text(PLUGIN_FILE.replace('"file-net"', '"module-net"').replace(
        '@trainboard.register_dataset("file-data")', ""))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("TRAINBOARD_PLUGINS", f"{tmp_path / 'envplugin.py'}, mypkg.nets")
    assert load_plugins() == [str(tmp_path / "envplugin.py"), "mypkg.nets"]
    assert {"file-net", "module-net"} <= set(registered_models())
    sys.modules.pop("mypkg.nets", None)
    sys.modules.pop("mypkg", None)


def test_installed_packages_register_through_entry_points(
    tmp_path: Path, forget: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    forget += ["entry-net", "entry-data"]
    (tmp_path / "entrypkg.py").write_text(PLUGIN_FILE.replace("@trainboard.register_model(\"file-net\")", "").replace(
        "@trainboard.register_dataset(\"file-data\")", ""))
    dist = tmp_path / "entrypkg-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: entrypkg\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[trainboard.models]\nentry-net = entrypkg:file_net\n\n[trainboard.datasets]\nentry-data = entrypkg:file_data\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    load_plugins()
    assert model_entry("entry-net").source == "entrypkg"
    assert dataset_entry("entry-data") is not None
    sys.modules.pop("entrypkg", None)


def test_a_broken_plugin_is_an_error_that_names_it(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('no GPU here')\n")
    with pytest.raises(PluginError, match=r"broken.py: RuntimeError: no GPU here"):
        load_plugin(str(broken))
    with pytest.raises(PluginError, match="no such file"):
        load_plugin(str(tmp_path / "absent.py"))
    with pytest.raises(PluginError, match="no_such_module"):
        load_plugin("no_such_module.nets")
