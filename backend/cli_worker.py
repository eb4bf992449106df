"""`trainboard worker`: one worker process that claims runs from a backend and trains them."""

from __future__ import annotations

import argparse
from typing import Any

ORDER = 60


def register(subcommands: Any) -> None:
    """Add the `worker` subcommand."""
    from worker.main import add_arguments

    parser = subcommands.add_parser("worker", help="claim and run training runs from a backend",
                                    description="Register with a backend, claim queued runs and train them.")
    add_arguments(parser)
    parser.set_defaults(handler=run_worker)


def run_worker(args: argparse.Namespace) -> int:
    """Handler of `trainboard worker`."""
    from worker.main import run_from_args

    return run_from_args(args)
