"""`trainboard tag` and `trainboard note`: label a run on a running server, and say what it is for.

Both speak only HTTP to `--server`, like `runs` and `cancel`; the server checks every tag (letters, digits
and _ . : -, up to 40 characters; at most 16 a run) and answers a bad one with a one-line error, exit code 2.
"""

from __future__ import annotations

import argparse

from trainboard.cli.commands.remote import add_server_argument, call_api, server_client


def add_tag_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `trainboard tag`."""
    parser.description = "Add tags to a run (or take them off with --remove); prints the run's tags."
    add_server_argument(parser)
    parser.add_argument("run_id", type=int, metavar="RUN_ID")
    parser.add_argument("tags", nargs="+", metavar="TAG")
    parser.add_argument("--remove", action="store_true", help="take these tags off instead")


def add_note_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `trainboard note`."""
    parser.description = "Set a run's note (markdown); an empty TEXT clears it."
    add_server_argument(parser)
    parser.add_argument("run_id", type=int, metavar="RUN_ID")
    parser.add_argument("text", metavar="TEXT")


def changed_tags(current: list[str], tags: list[str], remove: bool) -> list[str]:
    """The run's tags after adding (or removing) `tags`, sorted, each once."""
    return sorted(set(current) - set(tags)) if remove else sorted(set(current) | set(tags))


def run_tag(args: argparse.Namespace) -> int:
    """Handler of `trainboard tag`."""
    with server_client(args) as client:
        run = call_api(lambda: client.get_run(args.run_id))
        tags = changed_tags(run.get("tags", []), args.tags, args.remove)
        run = call_api(lambda: client.update_run(args.run_id, {"tags": tags}), ["tags"])
    print(f"run {run['id']} tags: {' '.join(run['tags']) or '(none)'}")
    return 0


def run_note(args: argparse.Namespace) -> int:
    """Handler of `trainboard note`."""
    with server_client(args) as client:
        run = call_api(lambda: client.update_run(args.run_id, {"note": args.text}), ["note"])
    print(f"run {run['id']} note: {len(run['note'])} characters")
    return 0
