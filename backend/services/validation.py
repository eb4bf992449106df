"""Turn a flat run body (optional preset + config fields) into a validated config, or 422 errors per field."""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from trainboard.backend.errors import field_error
from trainboard.trainer.config import TrainConfig, config_class
from trainboard.trainer.presets import PRESETS, UnknownPresetError, build_config


def _request_errors(error: ValidationError) -> RequestValidationError:
    # loc ("body", field) as FastAPI reports its own body errors; context objects are not JSON.
    errors = error.errors(include_url=False, include_context=False)
    return RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors])


def validate_config(preset: Any, fields: dict[str, Any]) -> TrainConfig:
    """Validate `fields` over an optional preset; raises RequestValidationError naming each bad field."""
    if preset is not None and not isinstance(preset, str):
        raise field_error("preset", f"preset must be a name; valid presets: {', '.join(PRESETS)}", preset)
    try:
        return build_config(preset, fields)
    except UnknownPresetError as error:
        raise field_error("preset", str(error), preset) from None
    except ValidationError as error:
        raise _request_errors(error) from None


def validate_run_body(body: dict[str, Any]) -> tuple[TrainConfig, str | None]:
    """The config of a POST /api/runs body and the preset it named."""
    fields = dict(body)
    preset = fields.pop("preset", None)
    return validate_config(preset, fields), preset


def validate_clone(source_config: dict[str, Any], overrides: dict[str, Any]) -> TrainConfig:
    """The config of a clone: the source's fields with `overrides` on top.

    When the kind changes (an LR-finder run cloned into a training run), fields the new kind lacks are dropped.
    """
    if "preset" in overrides:
        raise field_error("preset", "a clone starts from its source run's config; to start from a preset, create a run")
    fields = dict(source_config)
    kind = overrides.get("kind", fields.get("kind", "train"))
    if kind in ("train", "lr_find"):
        known = config_class(kind).model_fields
        fields = {key: value for key, value in fields.items() if key in known}
    fields.update(overrides)
    return validate_config(None, fields)


def default_run_name(config: TrainConfig, preset: str | None) -> str:
    """The name a run gets when its config has none."""
    if config.name:
        return config.name
    base = preset or f"{config.model} on {config.dataset}"
    return f"LR finder: {base}" if config.kind == "lr_find" and not preset else base
