"""`trainboard worker`: one worker process that claims runs from a server and trains them."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `trainboard worker` (the worker package defines them)."""
    from trainboard.worker.main import add_arguments as add_worker_arguments

    parser.description = "Register with a server, claim queued runs and train them."
    add_worker_arguments(parser)


def run_worker(args: argparse.Namespace) -> int:
    """Handler of `trainboard worker`."""
    from trainboard.worker.main import run_from_args

    return run_from_args(args)
