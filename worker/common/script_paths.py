"""Where a script run may run: inside one of the folders a worker was started with (`--scripts DIR`).

The server checks the run's folder as written (it cannot see the worker's disk); the worker checks it again
with links resolved, so a link inside an allowed folder that points outside it is refused there.
"""

from __future__ import annotations

import os
import string
from collections.abc import Iterable, Mapping
from typing import Any


def is_inside(path: str, folder: str) -> bool:
    """True when `path` is `folder` or below it (both absolute; '..' and '.' are normalized first)."""
    path, folder = os.path.normpath(path), os.path.normpath(folder)
    return os.path.isabs(path) and os.path.isabs(folder) and os.path.commonpath([path, folder]) == folder


def allowed_by(path: str, folders: Iterable[str]) -> bool:
    """True when `path` is inside one of `folders`."""
    return any(is_inside(path, folder) for folder in folders)


def command_fields(command: str) -> list[str]:
    """The {field} names a command template fills from the run's config ('python train.py --lr {lr}' -> ['lr'])."""
    return [name for _, name, _, _ in string.Formatter().parse(command) if name]


def command_args(command: str, config: Mapping[str, Any]) -> list[str]:
    """The command as an argument list, each argument filled from config on its own: a value never becomes
    more arguments or shell syntax (nothing runs through a shell)."""
    import shlex

    return [arg.format_map(config) for arg in shlex.split(command)]
