"""`trainboard sweep`: search hyperparameters on a server's worker pool, and follow the trials.

    trainboard sweep --preset origin-2ep --param lr=log:1e-4:1e-1 --param momentum=0.8:0.99 \\
        --trials 16 --parallel 2 --watch

`--param FIELD=SPEC` takes the specs of trainboard.common.search_space (log:LOW:HIGH, LOW:HIGH, int:LOW:HIGH,
intlog:LOW:HIGH, choice:A,B,...). The server checks every spec against the config; a refusal is one line
naming the field, exit code 2. With --watch, each trial's start and end is a line, and the exit code is 0
when the sweep ends with a complete trial.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from trainboard.cli.commands.remote import add_server_argument, call_api, config_fields, server_client
from trainboard.cli.commands.train import DEFAULT_PRESET, FIELD_FLAGS
from trainboard.cli.config_args import add_config_arguments, config_overrides
from trainboard.cli.errors import CliError
from trainboard.common.search_space import SpaceError, parse_spec_text

SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("asha", "hyperband", "median", "none")
METRICS = ("test_acc", "test_loss", "train_acc", "train_loss")
POLL_S = 2.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `trainboard sweep`."""
    parser.description = "Start a sweep on a server: Optuna samples the --param specs; each trial is a run."
    add_server_argument(parser)
    add_config_arguments(parser, DEFAULT_PRESET, FIELD_FLAGS, set_example="--set pad_crop=true (the base config)")
    parser.add_argument("--param", dest="params", action="append", default=[], metavar="FIELD=SPEC", required=True,
                        help="a searched field, e.g. lr=log:1e-4:1e-1, momentum=0.8:0.99, batch_size=choice:32,64 "
                        "(repeatable)")
    parser.add_argument("--trials", type=int, default=16, help="trials in all (default 16)")
    parser.add_argument("--parallel", type=int, default=2, help="trials queued or running at once (default 2)")
    parser.add_argument("--sampler", choices=SAMPLERS, default="tpe", help="default tpe")
    parser.add_argument("--pruner", choices=PRUNERS, default="asha", help="asha = successive halving (default)")
    parser.add_argument("--metric", choices=METRICS, default="test_acc", help="what the study optimises (default test_acc)")
    parser.add_argument("--direction", choices=("maximize", "minimize"), default=None,
                        help="default: maximize accuracy, minimize loss")
    parser.add_argument("--sampler-seed", dest="sampler_seed", type=int, default=0, help="the sampler's seed (default 0)")
    parser.add_argument("--name", default=None, help="the sweep's name (default: the preset's)")
    parser.add_argument("--watch", action="store_true", help="then print each trial as it starts and ends")


def parse_params(assignments: list[str]) -> dict[str, Any]:
    """FIELD=SPEC pairs as the API's space (specs in object form); a bad one is a CliError naming it."""
    space: dict[str, Any] = {}
    for assignment in assignments:
        field, sep, spec = assignment.partition("=")
        if not sep or not field.strip():
            raise CliError(f"--param: expected FIELD=SPEC (e.g. lr=log:1e-4:1e-1), got {assignment!r}")
        try:
            space[field.strip()] = parse_spec_text(spec)
        except SpaceError as error:
            raise CliError(f"--param {field.strip()}: {error}") from None
    return space


def sweep_body(args: argparse.Namespace) -> dict[str, Any]:
    """The POST /api/sweeps body of the parsed flags."""
    body: dict[str, Any] = {
        "preset": args.preset, "base": config_overrides(args, FIELD_FLAGS), "space": parse_params(args.params),
        "trials": args.trials, "parallel": args.parallel, "sampler": args.sampler, "pruner": args.pruner,
        "metric": args.metric, "seed": args.sampler_seed,
    }
    if args.direction:
        body["direction"] = args.direction
    if args.name:
        body["name"] = args.name
    return body


def format_metric(metric: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{100 * value:.1f} %" if metric.endswith("_acc") else f"{value:.4f}"


def format_params(params: dict[str, Any]) -> str:
    return " ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


def trial_line(sweep: dict[str, Any], trial: dict[str, Any]) -> str:
    """One line for a trial's latest state."""
    head = f"trial {trial['number']} (run {trial['run_id']})"
    if trial["state"] == "running":
        return f"{head} {trial['status']}: {format_params(trial['params'])}"
    if trial["state"] == "complete":
        return f"{head} complete: {sweep['metric']} {format_metric(sweep['metric'], trial['value'])}"
    return f"{head} {trial['state']}: {trial['reason'] or trial['status']}"


def end_line(sweep: dict[str, Any]) -> str:
    """The last line: how the sweep ended and its best trial."""
    best = sweep.get("best")
    if not best:
        return f"sweep {sweep['id']} {sweep['status']}: no complete trial"
    return (f"sweep {sweep['id']} {sweep['status']}: best trial {best['number']} (run {best['run_id']}), "
            f"{sweep['metric']} {format_metric(sweep['metric'], best['value'])} with {format_params(best['params'])}")


def watch_sweep(client: Any, sweep: dict[str, Any]) -> int:
    """Print trial lines until the sweep ends; 0 if it has a complete trial."""
    shown: dict[int, tuple[str, str]] = {}
    while True:
        for trial in sweep["trial_list"]:
            key = (trial["state"], trial["status"])
            if shown.get(trial["number"]) != key:
                shown[trial["number"]] = key
                print(trial_line(sweep, trial), flush=True)
        if sweep["status"] != "running":
            print(end_line(sweep))
            return 0 if sweep.get("best") else 1
        time.sleep(POLL_S)
        sweep = call_api(lambda: client.get_sweep(sweep["id"]))


def run_sweep(args: argparse.Namespace) -> int:
    """Handler of `trainboard sweep`."""
    body = sweep_body(args)
    with server_client(args) as client:
        sweep = call_api(lambda: client.create_sweep(body), ["space", *config_fields(args.preset)])
        print(f"sweep {sweep['id']}: {sweep['trials']} trials, {sweep['parallel']} at once, "
              f"{sweep['sampler']} + {sweep['pruner']}: {client.server}/sweeps/{sweep['id']}")
        if args.watch:
            return watch_sweep(client, sweep)
    return 0
