"""`--plugin MODULE_OR_FILE` for the commands that train in this process (`train`, `lr-find`, `models`): the
networks and datasets a plugin registers become nameable in --model and --dataset.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from trainboard.cli.errors import CliError


def add_plugin_argument(parser: argparse.ArgumentParser) -> None:
    """The repeatable --plugin flag."""
    parser.add_argument("--plugin", dest="plugins", action="append", default=[], metavar="MODULE_OR_FILE",
                        help="import a module or .py file that registers networks or datasets (repeatable; "
                             "TRAINBOARD_PLUGINS and installed entry points are loaded too)")


def load_plugin_flags(args: argparse.Namespace) -> None:
    """Import the plugins named by --plugin, TRAINBOARD_PLUGINS and entry points; CliError naming a bad one."""
    from trainboard.plugins.loading import PluginError, load_plugins

    try:
        load_plugins(args.plugins)
    except PluginError as error:
        raise CliError(str(error)) from None


def check_names(config: Any, data_dir: Path | None) -> None:
    """CliError unless the config's model is registered and its dataset built in, registered or on disk."""
    import trainboard.trainer.models  # noqa: F401  (registers the built-in networks)
    from trainboard.plugins.registry import registered_datasets, registered_models
    from trainboard.trainer.config import DATASET_NAMES
    from trainboard.trainer.data.discovery import discover_datasets
    from trainboard.trainer.data.paths import resolve_data_dir

    models = registered_models()
    if config.model not in models:
        raise CliError(f"model: unknown model {config.model!r}; valid models: {', '.join(models)} "
                       "(or a plugin's, with --plugin)")
    datasets = [*DATASET_NAMES, *registered_datasets(), *discover_datasets(resolve_data_dir(data_dir), DATASET_NAMES)]
    if config.dataset not in datasets:
        raise CliError(f"dataset: unknown dataset {config.dataset!r}; valid datasets: {', '.join(datasets)} "
                       "(or NAME.npz / an image folder NAME/ in the data directory)")
