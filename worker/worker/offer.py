"""What a worker offers, as it reports it at register: its device, tags, networks (with their options and
layer names) and datasets (with whether they are on its disk).
"""

from __future__ import annotations

import logging
import platform
from pathlib import Path
from typing import Any

import trainboard.trainer.models  # noqa: F401  (registers the built-in networks)
from trainboard.plugins.registry import registered_models

log = logging.getLogger(__name__)

LAYER_LIMIT = 400  # module names reported per network: enough to validate feature_layers of any net offered


def device_kind(device: str) -> str:
    """"cuda" for "cuda:1", "cpu", "mps"."""
    return device.split(":", 1)[0]


def describe_network(name: str) -> dict[str, Any]:
    """A registered network as the server's catalogue shows it; its layer names come from building it once
    at 3x32x32 with 10 classes and default options (a network that cannot be built so reports none).
    """
    from trainboard.trainer.models import build_model, default_feature_layers

    entry = registered_models()[name]
    described: dict[str, Any] = {
        "name": name, "description": entry.description, "source": entry.source,
        "args": [spec.to_json() for spec in entry.args], "parameters": None, "layers": None, "feature_layers": None,
    }
    if any(spec.required for spec in entry.args):
        return described
    import torch

    try:
        with torch.device("meta"):  # shapes only: no memory for weights, no time initialising them
            model = build_model(name, in_channels=3, num_classes=10, image_size=32)
    except Exception as error:  # the network may need other sizes; its launch still works, unchecked
        log.warning("network %s: could not be built at 3x32x32 to list its layers (%s)", name, error)
        return described
    layers = [module_name for module_name, _ in model.named_modules() if module_name]
    described.update(
        parameters=sum(p.numel() for p in model.parameters()),
        layers=layers[:LAYER_LIMIT],
        feature_layers=default_feature_layers(model, name),
    )
    return described


def with_current_datasets(offer: dict[str, Any], data_dir: Path | None) -> dict[str, Any]:
    """`offer` with its datasets looked up again (a file or folder added to the data directory since)."""
    from trainboard.trainer.data.local_datasets import local_datasets

    return {**offer, "datasets": local_datasets(data_dir)}


def worker_offer(device: str, tags: list[str], data_dir: Path | None, plugins: list[str]) -> dict[str, Any]:
    """The capabilities a worker registers with."""
    import torch

    from trainboard.trainer.data.local_datasets import local_datasets

    cuda = torch.cuda.is_available()
    return {
        "torch": torch.__version__,
        "cuda": cuda,
        "gpus": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if cuda else [],
        "host": platform.node(),
        "kinds": ["train", "lr_find"],
        "device_kind": device_kind(device),
        "tags": sorted(set(tags)),
        "plugins": plugins,
        "models": [describe_network(name) for name in registered_models()],
        "datasets": local_datasets(data_dir),
    }
