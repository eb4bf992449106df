"""`trainboard sync DIR`: upload runs a script wrote offline (trainboard.init(mode="offline")) to a server."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from trainboard.cli.commands.remote import add_server_argument
from trainboard.cli.errors import CliError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `trainboard sync`."""
    parser.description = ("Upload offline runs to a server: DIR is one run folder, or a folder of them "
                          "(e.g. ./trainboard-offline). Each becomes a run as if it had been logged live.")
    add_server_argument(parser)
    parser.add_argument("folder", type=Path, metavar="DIR")


def run_sync(args: argparse.Namespace) -> int:
    """Handler of `trainboard sync`: one line per run uploaded; exit code 1 if any folder could not be."""
    import httpx

    from trainboard.common.retry import describe_failure
    from trainboard.sdk.sync import SyncError, offline_runs, sync_run

    try:
        folders = offline_runs(args.folder)
    except SyncError as error:
        raise CliError(str(error)) from None
    token = os.environ.get("TRAINBOARD_TOKEN") or None
    failed = 0
    for folder in folders:
        try:
            done = sync_run(folder, args.server, token)
        except SyncError as error:
            print(f"skipped: {error}")
            continue
        except (httpx.HTTPError, OSError) as error:
            failed += 1
            print(f"failed: {folder}: {describe_failure(error)}")
            continue
        print(f"run {done.run_id} {done.status}: {done.points} points in {done.requests} requests: {done.url}")
    return 1 if failed else 0
