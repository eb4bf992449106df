"""`trainboard.init`: start a run of the calling script, on a server or in a folder."""

from __future__ import annotations

import json
import logging
import os
import platform
import socket
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from trainboard.common.jsonsafe import scrub_non_finite
from trainboard.sdk.channel import Channel
from trainboard.sdk.live import LiveChannel, ServerUnreachable
from trainboard.sdk.offline import OfflineChannel, default_offline_root
from trainboard.sdk.run import Run

log = logging.getLogger(__name__)

DEFAULT_SERVER = "http://127.0.0.1:8000"
MODES = ("online", "offline")
FALLBACKS = (None, "offline")


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


def init(
    name: str | None = None,
    config: Mapping[str, Any] | Any | None = None,
    *,
    server: str | None = None,
    token: str | None = None,
    tags: Sequence[str] = (),
    mode: str = "online",
    fallback: str | None = None,
    dir: str | Path | None = None,
) -> Run:
    """Start a run of this script and return it.

    server and token default to $TRAINBOARD_SERVER (else http://127.0.0.1:8000) and $TRAINBOARD_TOKEN.
    mode="offline" writes the run under `dir` (default $TRAINBOARD_OFFLINE_DIR, else ./trainboard-offline)
    for `trainboard sync`; fallback="offline" does so when no server answers.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    if fallback not in FALLBACKS:
        raise ValueError(f"fallback must be None or 'offline'; got {fallback!r}")
    settings = config_dict(config)
    tag_list = [str(t) for t in tags]
    server = server or os.environ.get("TRAINBOARD_SERVER") or DEFAULT_SERVER
    token = token or os.environ.get("TRAINBOARD_TOKEN") or None
    root = Path(dir) if dir is not None else default_offline_root()
    channel: Channel
    if mode == "offline":
        channel = OfflineChannel(root, name, settings, tag_list)
    else:
        try:
            channel = LiveChannel(server, token, name, settings, tag_list)
        except ServerUnreachable as error:
            if fallback != "offline":
                raise
            log.warning("trainboard: %s; writing the run offline instead", error)
            channel = OfflineChannel(root, name, settings, tag_list)
    info = {"source": "sdk", "host": socket.gethostname(), "pid": os.getpid(), "python": platform.python_version(),
            "argv": sys.argv[:50]}
    return Run(channel, info)
