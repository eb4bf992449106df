"""The `trainboard` command and the one table of its subcommands.

Each row of COMMANDS names a subcommand, its one-line help, the function that adds its arguments (and
description) to its parser, and the handler that takes the parsed namespace and returns the exit code.
Command modules import heavy libraries (torch, the web stack) inside their handlers, so `trainboard
--help` stays fast.

Bad input ends with exit code 2 and one line on stderr: "error: <field>: <what is wrong>".
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import trainboard
from trainboard.cli.commands import (
    annotate,
    continue_run,
    lr_find,
    models,
    presets,
    remote,
    serve,
    sweep,
    sync,
    train,
    worker,
)
from trainboard.cli.errors import EXIT_USAGE, CliError, OneLineParser, format_validation_error

PROG = "trainboard"


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, its help line, what adds its arguments, and its handler."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace], int]


COMMANDS: tuple[Command, ...] = (
    Command("serve", "start the dashboard, the API and local workers", serve.add_arguments, serve.run_serve),
    Command("worker", "claim and run training runs from a server", worker.add_arguments, worker.run_worker),
    Command("train", "train a model here, with a progress bar and the seed's accuracy report",
            train.add_arguments, train.run_train),
    Command("lr-find", "run an LR range test here and suggest a learning rate",
            lr_find.add_arguments, lr_find.run_lr_find_command),
    Command("submit", "queue a run on a server (preset + overrides, as for train)",
            remote.add_submit_arguments, remote.run_submit),
    Command("continue", "queue a run that continues an ended run from its checkpoint, with changes",
            continue_run.add_arguments, continue_run.run_continue),
    Command("sweep", "search hyperparameters on a server's workers (Optuna, with early stopping)",
            sweep.add_arguments, sweep.run_sweep),
    Command("runs", "list the newest runs on a server", remote.add_runs_arguments, remote.run_runs),
    Command("watch", "follow a run's progress and log until it ends", remote.add_watch_arguments, remote.run_watch),
    Command("cancel", "cancel a queued or running run", remote.add_cancel_arguments, remote.run_cancel),
    Command("tag", "add tags to a run (--remove takes them off)", annotate.add_tag_arguments, annotate.run_tag),
    Command("note", "set a run's note (markdown)", annotate.add_note_arguments, annotate.run_note),
    Command("presets", "list the named experiments and their reference accuracies",
            presets.add_arguments, presets.run_presets),
    Command("models", "list the models with parameter counts", models.add_arguments, models.run_models),
    Command("sync", "upload runs a script wrote offline (trainboard.init(mode='offline'))",
            sync.add_arguments, sync.run_sync),
)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every subcommand of COMMANDS."""
    parser = OneLineParser(prog=PROG, description="Launch and watch PyTorch training of image classifiers.")
    parser.add_argument("--version", action="version", version=f"{PROG} {trainboard.__version__}")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for command in COMMANDS:
        subparser = subcommands.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(subparser)
        subparser.set_defaults(handler=command.handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `trainboard` console script; returns the exit code."""
    from pydantic import ValidationError

    from trainboard.trainer.presets import UnknownPresetError

    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        handler = getattr(args, "handler", None)
        if handler is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        return int(handler(args))
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except UnknownPresetError as exc:
        print(f"error: preset: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValidationError as exc:
        print(f"error: {format_validation_error(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
