"""`trainboard submit`, `runs`, `cancel` and `watch`: queue and follow runs on a running server.

They speak only HTTP to `--server` (default $TRAINBOARD_SERVER, else http://127.0.0.1:8000), with
$TRAINBOARD_TOKEN as the bearer token when set. The config is checked by the server: a bad field is
one line naming it, exit code 2; a server that refuses or cannot be reached is one line, exit code 1.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from trainboard.cli.commands.train import DEFAULT_PRESET, FIELD_FLAGS
from trainboard.cli.config_args import add_config_arguments, config_overrides
from trainboard.cli.errors import EXIT_USAGE, CliError, format_field_errors
from trainboard.common.statuses import RUN_STATUSES, SUCCEEDED

DEFAULT_SERVER = "http://127.0.0.1:8000"
EXIT_RUN_DID_NOT_SUCCEED = 1


def add_submit_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `trainboard submit`."""
    parser.description = "Queue a run on a server: a preset, overridden field by field. Prints the run's id and page."
    add_server_argument(parser)
    add_config_arguments(parser, DEFAULT_PRESET, FIELD_FLAGS)
    parser.add_argument("--name", default=None, help="the run's name in the dashboard (default: the preset)")
    parser.add_argument("--seeds", type=int, default=None, metavar="N",
                        help="queue N runs (a seed group) with seeds seed, seed + 1, ...; the compare page "
                        "shows their mean and spread")
    parser.add_argument("--watch", action="store_true", help="then follow the run (each run, with --seeds) until it ends")


def add_runs_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `trainboard runs`."""
    parser.description = "List runs on a server, newest first unless --sort says otherwise."
    add_server_argument(parser)
    parser.add_argument("--status", choices=RUN_STATUSES, default=None, help="only runs with this status")
    parser.add_argument("--search", default=None, metavar="TEXT",
                        help="only runs whose name, a tag, model, dataset or preset contains TEXT")
    parser.add_argument("--tag", action="append", default=[], help="only runs with this tag (repeatable: all of them)")
    parser.add_argument("--sort", default=None, help="e.g. -best_test_acc, name, duration (default: newest first)")
    parser.add_argument("--limit", type=int, default=20, help="how many runs (default 20, at most 500)")
    parser.add_argument("--json", action="store_true", help="print the API's JSON instead of a table")


def add_cancel_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `trainboard cancel`."""
    parser.description = "Cancel a queued or running run; what it logged is kept."
    add_server_argument(parser)
    parser.add_argument("run_id", type=int, metavar="RUN_ID")


def add_watch_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `trainboard watch`."""
    parser.description = ("Print a run's progress, log and status changes until it ends; exit 0 if it succeeded, "
                          "else 1. Ctrl-C stops watching; the run goes on.")
    add_server_argument(parser)
    parser.add_argument("run_id", type=int, metavar="RUN_ID")


def add_server_argument(parser: argparse.ArgumentParser) -> None:
    """The --server flag every command that talks to a running server has."""
    parser.add_argument("--server", default=os.environ.get("TRAINBOARD_SERVER", DEFAULT_SERVER),
                        help="the server's URL (default: $TRAINBOARD_SERVER or %(default)s)")


def server_client(args: argparse.Namespace) -> Any:
    """A RestClient of `--server`, with $TRAINBOARD_TOKEN when set."""
    from trainboard.cli.rest_client import RestClient

    return RestClient(args.server, os.environ.get("TRAINBOARD_TOKEN") or None)


def call_api(action: Any, fields: list[str] | None = None) -> Any:
    """Run one API call; its refusal becomes a one-line CLI error (2 for a bad field, listing `fields`, else 1)."""
    from trainboard.cli.rest_client import ApiError

    try:
        return action()
    except ApiError as exc:
        if exc.status == 422 and exc.errors:
            raise CliError(format_field_errors(exc.errors, fields or []), code=EXIT_USAGE) from None
        raise CliError(str(exc), code=EXIT_USAGE if exc.status == 422 else 1) from None


def config_fields(preset: str) -> list[str]:
    """The fields a run of `preset` accepts (a training run's when the preset is unknown), for error messages."""
    from trainboard.trainer.config import config_class
    from trainboard.trainer.presets import PRESETS

    known = PRESETS.get(preset)
    kind = known.fields.get("kind", "train") if known is not None else "train"
    return ["preset", *config_class(kind).model_fields]


def submit_body(args: argparse.Namespace) -> dict[str, Any]:
    """The POST /api/runs body: preset, then --set assignments, then the field flags, then the name."""
    body: dict[str, Any] = {"preset": args.preset, **config_overrides(args, FIELD_FLAGS)}
    if args.name is not None:
        body["name"] = args.name
    return body


def run_submit(args: argparse.Namespace) -> int:
    """Handler of `trainboard submit`."""
    with server_client(args) as client:
        if args.seeds is not None:
            body = {**submit_body(args), "seeds": args.seeds}
            runs = call_api(lambda: client.create_group(body), ["seeds", *config_fields(args.preset)])["data"]
            print(f"seed group {runs[0]['group_id']}: {len(runs)} runs")
        else:
            runs = [call_api(lambda: client.create_run(submit_body(args)), config_fields(args.preset))]
        for run in runs:
            print(f"run {run['id']} {run['status']}: {client.server}/runs/{run['id']}")
        if args.watch:
            codes = [watch_until_end(client, int(run["id"]), seen_status=run["status"]) for run in runs]
            return max(codes)
    return 0


def runs_table(runs: list[dict[str, Any]]) -> list[str]:
    """Aligned lines: id, status, kind, name, progress, best test accuracy, worker."""
    header = f"{'id':>5}  {'status':<9}  {'kind':<7}  {'name':<20}  {'progress':<16}  {'best test':>9}  worker"
    lines = [header]
    for run in runs:
        progress = run.get("progress") or {}
        where = f"epoch {progress['epoch']}/{progress['epochs']}" if progress else ""
        best = "" if run.get("best_test_acc") is None else f"{100 * run['best_test_acc']:.1f} %"
        lines.append(f"{run['id']:>5}  {run['status']:<9}  {run['kind']:<7}  {run['name'][:20]:<20}  {where:<16}  "
                     f"{best:>9}  {run.get('worker') or ''}")
    return lines


def run_runs(args: argparse.Namespace) -> int:
    """Handler of `trainboard runs`."""
    if not 1 <= args.limit <= 500:
        raise CliError(f"limit: must be between 1 and 500, got {args.limit}")
    with server_client(args) as client:
        page = call_api(lambda: client.list_runs(status=args.status, limit=args.limit, q=args.search, tag=args.tag,
                                                 sort=args.sort))
    if args.json:
        print(json.dumps(page, indent=1))
        return 0
    for line in runs_table(page["data"]):
        print(line)
    shown = len(page["data"])
    if page["count"] > shown:
        print(f"({shown} of {page['count']}; --limit shows more)")
    return 0


def run_cancel(args: argparse.Namespace) -> int:
    """Handler of `trainboard cancel`."""
    with server_client(args) as client:
        run = call_api(lambda: client.cancel_run(args.run_id))
    print(f"run {run['id']} {run['status']}")
    return 0


def run_watch(args: argparse.Namespace) -> int:
    """Handler of `trainboard watch`."""
    with server_client(args) as client:
        return watch_until_end(client, args.run_id)


def watch_until_end(client: Any, run_id: int, seen_status: str | None = None) -> int:
    """Print the run's events until its `end`, then its outcome; 0 if it succeeded."""
    from trainboard.cli.rest_client import ApiError
    from trainboard.cli.watch_lines import WatchPrinter, outcome_line

    printer = WatchPrinter(status=seen_status)
    call_api(lambda: client.get_run(run_id))  # a run that does not exist: one line, before any stream
    try:
        for server_event in client.run_events(run_id):
            for line in printer.lines(server_event):
                print(line, flush=True)
    except ApiError as exc:
        raise CliError(str(exc), code=1) from None
    if printer.outcome == "deleted":
        print(f"run {run_id} was deleted")
        return EXIT_RUN_DID_NOT_SUCCEED
    run = call_api(lambda: client.get_run(run_id))
    print(outcome_line(run))
    return 0 if run["status"] == SUCCEEDED else EXIT_RUN_DID_NOT_SUCCEED
