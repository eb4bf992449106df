"""Check a sweep before anything is stored: the base config, every spec against the config's own rules."""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError

from trainboard.backend.errors import field_error
from trainboard.backend.services.validation import validate_config
from trainboard.backend.sweeps.schemas import SweepCreate
from trainboard.backend.sweeps.study import MAX_GRID_POINTS, grid_points, grid_size
from trainboard.common.search_space import SpaceError, check_spec, spec_values_to_check
from trainboard.trainer.config import TrainConfig

# Fields a search makes no sense over: what the run is, where it runs, and lists and objects.
UNSEARCHABLE = frozenset({"kind", "name", "device", "worker_tags", "feature_layers", "model_args"})


def _space_error(name: str, message: str, value: object) -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": ("body", "space", name), "msg": message, "input": value}])


def checked_space(body: SweepCreate, base: TrainConfig) -> dict[str, dict[str, Any]]:
    """The space in object form; 422 at space.FIELD for an unknown field, a bad spec or a value the config refuses."""
    fields = set(TrainConfig.model_fields)
    space: dict[str, dict[str, Any]] = {}
    base_fields = base.model_dump(mode="json")
    for name, raw in body.space.items():
        if name not in fields or name in UNSEARCHABLE:
            searchable = ", ".join(sorted(fields - UNSEARCHABLE))
            raise _space_error(name, f"not a config field a sweep can search; valid: {searchable}", raw)
        try:
            spec = check_spec(raw)
        except SpaceError as error:
            raise _space_error(name, str(error), raw) from None
        for value in spec_values_to_check(spec):
            try:
                validate_config(None, {**base_fields, name: value})
            except RequestValidationError as error:
                messages = "; ".join(e["msg"] for e in error.errors())
                raise _space_error(name, f"the config refuses {name}={value!r}: {messages}", raw) from None
        space[name] = spec
    return space


def check_body(body: SweepCreate) -> tuple[TrainConfig, dict[str, dict[str, Any]]]:
    """The validated base config and search space of a sweep body."""
    if "kind" in body.base and body.base["kind"] != "train":
        raise field_error("base", "a sweep searches training runs; kind must be 'train'", body.base["kind"])
    base = validate_config(body.preset, {**body.base, "kind": "train"})
    space = checked_space(body, base)
    if body.sampler == "grid":
        grid = grid_points(space)
        if grid is None:
            raise field_error("sampler", "grid needs every parameter to be a choice or an int range", body.sampler)
        if grid_size(grid) > MAX_GRID_POINTS:
            raise field_error("sampler", f"the grid has {grid_size(grid)} points; at most {MAX_GRID_POINTS}", body.sampler)
    return base, space
