"""Networks and datasets by name: the built-ins and whatever plugins register. No torch import.

A network builder is a callable `(in_channels, num_classes, image_size, **options) -> nn.Module` (a class
or a function); its options are declared by its signature, with types and defaults. A dataset loader is a
callable `(data_dir: Path) -> arrays` (see `trainboard.trainer.data.arrays.as_image_data` for what it
may return).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainboard.plugins.arguments import ArgSpec, specs_from_signature

NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
_NAME = re.compile(NAME_PATTERN)

ModelBuilder = Callable[..., Any]
DatasetLoader = Callable[[Path], Any]


class UnknownNameError(ValueError):
    """A network or dataset name that nothing registered."""


class RegistrationError(ValueError):
    """A registration that cannot be accepted (bad name, taken name, builder of the wrong shape)."""


@dataclass(frozen=True)
class ModelEntry:
    """A registered network: how to build it and what the launch form says about it."""

    name: str
    build: ModelBuilder
    description: str
    args: tuple[ArgSpec, ...]
    feature_layers: tuple[str, ...] | None  # default layers for feature maps; None = the first two convolutions
    source: str  # "builtin", or the module that registered it


@dataclass(frozen=True)
class DatasetEntry:
    """A registered dataset: how to load it from a data directory."""

    name: str
    load: DatasetLoader
    description: str
    source: str


_MODELS: dict[str, ModelEntry] = {}
_DATASETS: dict[str, DatasetEntry] = {}


def _check_name(name: str, kind: str) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise RegistrationError(
            f"{kind} name {name!r}: use 1-64 lowercase letters, digits, '_', '.' or '-', starting with a letter or digit"
        )


def _first_doc_line(obj: Any) -> str:
    doc = (getattr(obj, "__doc__", None) or "").strip()
    return doc.splitlines()[0] if doc else ""


def _source(obj: Any) -> str:
    return getattr(obj, "__module__", None) or "plugin"


def add_model(entry: ModelEntry) -> ModelEntry:
    """Add a fully described network; the same builder under the same name again is a no-op."""
    existing = _MODELS.get(entry.name)
    if existing is not None and existing.build is not entry.build:
        raise RegistrationError(f"model {entry.name!r} is already registered by {existing.source}")
    _MODELS.setdefault(entry.name, entry)
    return _MODELS[entry.name]


def register_model(
    name: str,
    builder: ModelBuilder | None = None,
    *,
    description: str | None = None,
    feature_layers: tuple[str, ...] | list[str] | None = None,
) -> Any:
    """Register network `name`; use as `register_model("wide_cnn", WideCNN)` or as a decorator.

    Raises RegistrationError for a bad or taken name, or a builder without typed keyword options.
    """
    _check_name(name, "model")

    def register(target: ModelBuilder) -> ModelBuilder:
        try:
            args = specs_from_signature(target)
        except TypeError as error:
            raise RegistrationError(f"model {name!r}: {error}") from None
        layers = tuple(feature_layers) if feature_layers else None
        add_model(ModelEntry(name, target, description or _first_doc_line(target), args, layers, _source(target)))
        return target

    return register if builder is None else register(builder)


def register_dataset(name: str, loader: DatasetLoader | None = None, *, description: str | None = None) -> Any:
    """Register dataset `name` with a loader `(data_dir) -> arrays`; also usable as a decorator."""
    _check_name(name, "dataset")

    def register(target: DatasetLoader) -> DatasetLoader:
        if not callable(target):
            raise RegistrationError(f"dataset {name!r}: the loader must be callable, got {target!r}")
        existing = _DATASETS.get(name)
        if existing is not None and existing.load is not target:
            raise RegistrationError(f"dataset {name!r} is already registered by {existing.source}")
        _DATASETS.setdefault(name, DatasetEntry(name, target, description or _first_doc_line(target), _source(target)))
        return target

    return register if loader is None else register(loader)


def model_entry(name: str) -> ModelEntry:
    """The network registered as `name`; raises UnknownNameError listing the registered ones."""
    try:
        return _MODELS[name]
    except KeyError:
        raise UnknownNameError(f"unknown model {name!r}; valid models: {', '.join(_MODELS)}") from None


def registered_models() -> dict[str, ModelEntry]:
    """Every registered network by name, built-ins first."""
    return dict(_MODELS)


def dataset_entry(name: str) -> DatasetEntry | None:
    """The plugin dataset registered as `name`, or None."""
    return _DATASETS.get(name)


def registered_datasets() -> dict[str, DatasetEntry]:
    """Every dataset a plugin registered, by name."""
    return dict(_DATASETS)


def unregister(name: str) -> None:
    """Forget network or dataset `name` (tests use it to keep the registry as they found it)."""
    _MODELS.pop(name, None)
    _DATASETS.pop(name, None)
