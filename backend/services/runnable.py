"""Launch-time checks against the catalogue: a network, its options, a dataset and feature layers that some
built-in or live worker provides. A name nothing provides is a 422 that lists what is available.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.exceptions import RequestValidationError

from trainboard.backend.errors import field_error
from trainboard.backend.services.offers import LiveWorker
from trainboard.plugins.arguments import ArgError, ArgSpec, validate_args
from trainboard.trainer.config import DATASET_NAMES, TrainConfig
from trainboard.trainer.models.registry import MODELS as BUILTIN_MODELS

LAYERS_LISTED = 12  # layer names quoted in a feature_layers error


def _offered_model(name: str, workers: Sequence[LiveWorker]) -> dict[str, Any] | None:
    """The description of network `name` from the first live worker that reports one."""
    for worker in workers:
        for model in worker.capabilities.get("models") or []:
            if isinstance(model, dict) and model.get("name") == name:
                return model
    return None


def available_models(workers: Sequence[LiveWorker]) -> list[str]:
    """Built-in networks, then those live workers offer, each once."""
    names = list(BUILTIN_MODELS)
    for worker in workers:
        names += sorted(n for n in worker.model_names() if n not in names)
    return names


def available_datasets(workers: Sequence[LiveWorker]) -> list[str]:
    """Built-in datasets, then those live workers offer, each once."""
    names = list(DATASET_NAMES)
    for worker in workers:
        names += sorted(n for n in worker.dataset_names() if n not in names)
    return names


def _arg_specs(described: dict[str, Any] | None) -> tuple[ArgSpec, ...]:
    if described is None:
        return ()
    try:
        return tuple(ArgSpec.from_json(spec) for spec in described.get("args") or [])
    except ValueError:
        return ()  # a malformed report: the worker validates the options itself


def require_runnable(config: TrainConfig, workers: Sequence[LiveWorker]) -> dict[str, Any]:
    """Check the names in `config` against the catalogue; returns model_args with defaults filled in.

    Raises RequestValidationError naming the field: an unknown network or dataset (listing what is
    available), an option of the wrong type or name, a feature layer the network does not have.
    """
    if config.model not in available_models(workers):
        raise field_error(
            "model", f"unknown model {config.model!r}; available: {', '.join(available_models(workers))}", config.model
        )
    if config.dataset not in available_datasets(workers):
        raise field_error(
            "dataset", f"unknown dataset {config.dataset!r}; available: {', '.join(available_datasets(workers))}",
            config.dataset,
        )
    described = _offered_model(config.model, workers)
    specs = _arg_specs(described)
    try:
        model_args = validate_args(specs, config.model_args, config.model)
    except ArgError as error:
        loc = ("body", "model_args") if error.field is None else ("body", "model_args", error.field)
        raise RequestValidationError(
            [{"type": "value_error", "loc": loc, "msg": str(error), "input": config.model_args}]
        ) from None
    _check_layers(config, described, model_args, specs)
    return model_args


def _check_layers(
    config: TrainConfig, described: dict[str, Any] | None, model_args: dict[str, Any], specs: tuple[ArgSpec, ...]
) -> None:
    """feature_layers against the layer names a worker reported for the network built with default options."""
    layers = (described or {}).get("layers")
    defaults = {spec.name: spec.default for spec in specs}
    if not config.feature_layers or not isinstance(layers, list) or model_args != defaults:
        return  # nothing to check against (other options may build other layers): the worker checks at start
    for layer in config.feature_layers:
        if layer not in layers:
            shown = ", ".join(layers[:LAYERS_LISTED]) + (", ..." if len(layers) > LAYERS_LISTED else "")
            raise field_error(
                "feature_layers", f"model {config.model} has no layer {layer!r}; its layers: {shown}",
                config.feature_layers,
            )
