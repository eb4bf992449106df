"""`trainboard.init`: start a run of the calling script, on a server or in a folder."""

from __future__ import annotations

import logging
import os
import platform
import socket
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from trainboard.sdk.attached import attach
from trainboard.sdk.channel import Channel
from trainboard.sdk.config_values import config_dict
from trainboard.sdk.live import LiveChannel, ServerUnreachable
from trainboard.sdk.offline import OfflineChannel, default_offline_root
from trainboard.sdk.run import Run

log = logging.getLogger(__name__)

DEFAULT_SERVER = "http://127.0.0.1:8000"
MODES = ("online", "offline")
FALLBACKS = (None, "offline")


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
    for `trainboard sync`; fallback="offline" does so when no server answers. In a script that a worker
    launched (a run of kind script), init attaches to that run instead.
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
    channel: Channel | None = attach(server, name, settings)  # a script a worker launched: its run
    if channel is None and mode == "offline":
        channel = OfflineChannel(root, name, settings, tag_list)
    elif channel is None:
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
