"""`trainboard continue`: queue a run that starts from an ended run's last checkpoint, with changed fields.

The server keeps what the checkpoint pins (model, model_args, dataset, image_size, batch_size, train_limit,
optimizer) and answers a change to one of them with a one-line error, exit code 2. `--epochs` counts from the
parent's start: `--epochs 10` after a 2-epoch run trains 8 more.
"""

from __future__ import annotations

import argparse

from trainboard.cli.commands.remote import add_server_argument, call_api, server_client, watch_until_end
from trainboard.cli.config_args import COMMON_FLAGS, FieldFlag, config_overrides

CONTINUE_FLAGS: list[FieldFlag] = [
    *(flag for flag in COMMON_FLAGS if flag[1] in ("device", "seed")),
    ("--epochs", "epochs", int), ("--lr", "lr", float), ("--schedule", "schedule", str),
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `trainboard continue`."""
    parser.description = ("Continue an ended run from its last checkpoint (weights, optimizer state, step) with "
                          "changed fields; prints the new run's id and page.")
    add_server_argument(parser)
    parser.add_argument("run_id", type=int, metavar="RUN_ID")
    for flag, field, kind in CONTINUE_FLAGS:
        parser.add_argument(flag, dest=field, type=kind, default=None, help=f"change config field '{field}'")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="FIELD=VALUE",
                        help="change any other config field, e.g. --set pad_crop=true")
    parser.add_argument("--name", default=None, help="the new run's name (default: the parent's, continued)")
    parser.add_argument("--watch", action="store_true", help="then follow the new run until it ends (as `watch`)")


def run_continue(args: argparse.Namespace) -> int:
    """Handler of `trainboard continue`."""
    from trainboard.trainer.config import TrainConfig

    changes = config_overrides(args, CONTINUE_FLAGS)
    if args.name is not None:
        changes["name"] = args.name
    with server_client(args) as client:
        run = call_api(lambda: client.continue_run(args.run_id, changes), list(TrainConfig.model_fields))
        print(f"run {run['id']} {run['status']} (continues run {args.run_id}): {client.server}/runs/{run['id']}")
        if args.watch:
            return watch_until_end(client, int(run["id"]), seen_status=run["status"])
    return 0
