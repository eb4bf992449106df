"""Keyword arguments of a registered network: declared once (from the builder's signature), validated anywhere.

No torch import: the server validates a run's `model_args` against the specs a worker reported, without
importing the plugin that defined them.
"""

from __future__ import annotations

import inspect
import math
import typing
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

# The parameters every network builder takes first; they come from the data, not from the run's config.
DATA_PARAMETERS = ("in_channels", "num_classes", "image_size")
ARG_TYPES = ("int", "float", "bool", "str")
MAX_STR_LENGTH = 200

_PYTHON_TYPES: dict[Any, str] = {int: "int", float: "float", bool: "bool", str: "str"}


class ArgError(ValueError):
    """A model argument that does not fit its spec; `field` is the argument's name (or None for the whole dict)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ArgSpec:
    """One keyword argument of a network: its JSON type, default and allowed values."""

    name: str
    type: str  # one of ARG_TYPES
    default: Any = None
    required: bool = False
    choices: tuple[Any, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        """The spec as workers report it and the launch form reads it."""
        data = asdict(self)
        data["choices"] = list(self.choices) if self.choices is not None else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "ArgSpec":
        """A spec from its reported form; raises ValueError for a malformed one."""
        kind = data.get("type")
        if kind not in ARG_TYPES or not isinstance(data.get("name"), str):
            raise ValueError(f"malformed argument spec {dict(data)!r}")
        choices = data.get("choices")
        return cls(
            name=data["name"], type=kind, default=data.get("default"), required=bool(data.get("required")),
            choices=tuple(choices) if choices is not None else None,
        )


def _spec_type(annotation: Any, name: str) -> tuple[str, tuple[Any, ...] | None]:
    """(JSON type, choices) of a parameter annotation: int, float, bool, str, or a Literal of one of them."""
    if typing.get_origin(annotation) is Literal:
        choices = typing.get_args(annotation)
        kinds = {_PYTHON_TYPES.get(type(choice)) for choice in choices}
        if len(kinds) != 1 or None in kinds:
            raise TypeError(f"argument {name!r}: a Literal must list values of one type (int, float, bool or str)")
        return kinds.pop(), choices  # type: ignore[return-value]
    if annotation in _PYTHON_TYPES:
        return _PYTHON_TYPES[annotation], None
    raise TypeError(f"argument {name!r}: annotate it as int, float, bool, str or a Literal of them, got {annotation!r}")


def specs_from_signature(builder: Callable[..., Any]) -> tuple[ArgSpec, ...]:
    """The keyword arguments of a network builder `(in_channels, num_classes, image_size, **kwargs)`.

    Raises TypeError when the builder lacks one of the data parameters or leaves an argument unannotated.
    """
    target = builder.__init__ if inspect.isclass(builder) else builder  # type: ignore[misc]
    signature = inspect.signature(target)
    hints = typing.get_type_hints(target)
    parameters = [p for p in signature.parameters.values() if p.name != "self"]
    names = {p.name for p in parameters}
    missing = [name for name in DATA_PARAMETERS if name not in names]
    if missing:
        raise TypeError(
            f"{getattr(builder, '__name__', builder)!r} must take ({', '.join(DATA_PARAMETERS)}, **options); "
            f"it lacks {', '.join(missing)}"
        )
    specs = []
    for parameter in parameters:
        if parameter.name in DATA_PARAMETERS or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.kind is parameter.POSITIONAL_ONLY:
            raise TypeError(f"argument {parameter.name!r} is positional-only; model arguments are passed by name")
        if parameter.name not in hints:
            raise TypeError(f"argument {parameter.name!r} has no type annotation")
        kind, choices = _spec_type(hints[parameter.name], parameter.name)
        required = parameter.default is inspect.Parameter.empty
        default = None if required else parameter.default
        specs.append(ArgSpec(parameter.name, kind, default, required, choices))
    return tuple(specs)


def _coerce(spec: ArgSpec, value: Any) -> Any:
    """`value` as the spec's type; raises ArgError naming the argument."""
    fail = ArgError(spec.name, f"model_args.{spec.name}: expected {spec.type}, got {value!r}")
    if spec.type == "bool":
        if not isinstance(value, bool):
            raise fail
    elif spec.type == "int":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise fail
        value = int(value)
    elif spec.type == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise fail
        value = float(value)
    elif not isinstance(value, str) or len(value) > MAX_STR_LENGTH:
        raise fail
    if spec.choices is not None and value not in spec.choices:
        choices = ", ".join(repr(c) for c in spec.choices)
        raise ArgError(spec.name, f"model_args.{spec.name}: {value!r} is not one of {choices}")
    return value


def validate_args(specs: tuple[ArgSpec, ...] | list[ArgSpec], values: Mapping[str, Any], model: str) -> dict[str, Any]:
    """`values` checked against `specs`, defaults filled in; raises ArgError for the first bad argument."""
    by_name = {spec.name: spec for spec in specs}
    unknown = [name for name in values if name not in by_name]
    if unknown:
        valid = ", ".join(by_name) or "none"
        raise ArgError(unknown[0], f"model_args.{unknown[0]}: {model} takes no argument {unknown[0]!r}; its arguments: {valid}")
    cleaned: dict[str, Any] = {}
    for spec in specs:
        if spec.name in values:
            cleaned[spec.name] = _coerce(spec, values[spec.name])
        elif spec.required:
            raise ArgError(spec.name, f"model_args.{spec.name}: {model} needs this argument ({spec.type})")
        else:
            cleaned[spec.name] = spec.default
    return cleaned
