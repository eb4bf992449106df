"""A run's config as JSON: from a dict, a dataclass, a pydantic model or an argparse Namespace."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from trainboard.common.jsonsafe import scrub_non_finite


def config_dict(config: Mapping[str, Any] | Any | None) -> dict[str, Any]:
    """The config as a JSON-able dict: a mapping, a dataclass, a pydantic model or an argparse Namespace."""
    if config is None:
        return {}
    if hasattr(config, "model_dump"):
        config = config.model_dump(mode="json")
    elif hasattr(config, "__dataclass_fields__"):
        config = asdict(config)
    elif not isinstance(config, Mapping) and hasattr(config, "__dict__"):
        config = vars(config)
    if not isinstance(config, Mapping):
        raise TypeError(f"config must be a dict (or a dataclass, pydantic model, Namespace), got {type(config).__name__}")
    try:  # what does not encode is shown by its str(): Paths, enums, dtypes
        return json.loads(json.dumps(scrub_non_finite(dict(config)), default=str))
    except (TypeError, ValueError) as error:
        raise TypeError(f"config must hold JSON-able values: {error}") from None
