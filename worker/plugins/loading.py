"""Importing plugins on a worker: modules or files named on the command line or in TRAINBOARD_PLUGINS, and
installed packages' entry points. Only workers and the CLI's local commands call this; the server never does.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import logging
import os
import sys
from collections.abc import Iterable
from importlib.metadata import entry_points
from pathlib import Path

from trainboard.plugins.registry import register_dataset, register_model

log = logging.getLogger(__name__)

PLUGINS_ENV = "TRAINBOARD_PLUGINS"  # comma-separated modules or .py files
MODEL_GROUP = "trainboard.models"  # entry point name = network name, value = its builder
DATASET_GROUP = "trainboard.datasets"  # entry point name = dataset name, value = its loader


class PluginError(RuntimeError):
    """A plugin that could not be imported or registered; the message names it."""


def plugin_specs(flags: Iterable[str] = ()) -> list[str]:
    """The plugins to load: TRAINBOARD_PLUGINS first, then the --plugin flags, without repeats."""
    from_env = [part.strip() for part in os.environ.get(PLUGINS_ENV, "").split(",") if part.strip()]
    specs: list[str] = []
    for spec in [*from_env, *flags]:
        if spec not in specs:
            specs.append(spec)
    return specs


def _import_file(path: Path) -> None:
    # A stable module name per file, so that loading the same file twice registers nothing twice.
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    name = f"trainboard_plugin_{path.stem}_{digest}"
    if name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"plugin {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise


def load_plugin(spec: str) -> None:
    """Import one plugin: a path to a .py file, or a module name; its import registers what it offers."""
    try:
        path = Path(spec).expanduser()
        if spec.endswith(".py") or os.sep in spec:
            if not path.is_file():
                raise PluginError(f"plugin {spec}: no such file")
            _import_file(path.resolve())
        else:
            importlib.import_module(spec)
    except PluginError:
        raise
    except Exception as error:
        raise PluginError(f"plugin {spec}: {type(error).__name__}: {error}") from error


def load_entry_points() -> None:
    """Register every network and dataset that installed packages declare in their entry points."""
    for group, register in ((MODEL_GROUP, register_model), (DATASET_GROUP, register_dataset)):
        for point in entry_points(group=group):
            try:
                target = point.load()
                if not inspect.ismodule(target):  # a module registers what it offers when imported
                    register(point.name, target)
            except Exception as error:
                raise PluginError(f"entry point {point.name} = {point.value} ({group}): {error}") from error


def load_plugins(flags: Iterable[str] = ()) -> list[str]:
    """Load entry points, TRAINBOARD_PLUGINS and the --plugin flags; returns the plugin specs loaded."""
    load_entry_points()
    specs = plugin_specs(flags)
    for spec in specs:
        load_plugin(spec)
        log.info("loaded plugin %s", spec)
    return specs
