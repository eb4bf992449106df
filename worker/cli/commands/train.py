"""`trainboard train`: run one training config in this process with a progress bar and the seed's text report."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from trainboard.cli.config_args import COMMON_FLAGS, FieldFlag, add_config_arguments, config_overrides
from trainboard.cli.console_logging import console_logging
from trainboard.cli.errors import EXIT_USAGE, CliError, format_validation_error
from trainboard.cli.interrupt import stop_on_first_interrupt
from trainboard.cli.plugin_flags import add_plugin_argument, check_names, load_plugin_flags

DEFAULT_PRESET = "origin-2ep"

# (flag, config field, type): the common fields get their own flags; every other field goes through --set.
FIELD_FLAGS: list[FieldFlag] = [
    *COMMON_FLAGS, ("--epochs", "epochs", int), ("--lr", "lr", float), ("--test-limit", "test_limit", int),
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `trainboard train`."""
    parser.description = "Train a preset (optionally overridden field by field) and print the seed's report lines."
    add_config_arguments(parser, DEFAULT_PRESET, FIELD_FLAGS)
    add_plugin_argument(parser)
    parser.add_argument("--data-dir", type=Path, default=None, help="dataset directory (default: $TRAINBOARD_DATA_DIR "
                        "or the user data directory)")
    parser.add_argument("--out", type=Path, default=None, help="output directory for checkpoint.pt and result.json "
                        "(default: runs/<preset>-<time>)")
    parser.add_argument("--resume", type=Path, default=None, metavar="CHECKPOINT",
                        help="continue from a checkpoint.pt written by an earlier run")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no log lines")


def config_from_args(args: argparse.Namespace) -> Any:
    """The validated TrainConfig for the parsed arguments (CliError on bad input)."""
    from pydantic import ValidationError

    from trainboard.trainer.config import TrainConfig
    from trainboard.trainer.presets import build_config

    try:
        config = build_config(args.preset, config_overrides(args, FIELD_FLAGS))
    except ValidationError as exc:
        raise CliError(format_validation_error(exc, list(TrainConfig.model_fields))) from None
    if config.kind != "train":
        raise CliError(f"preset: {args.preset!r} is an LR range test, not a training run; use `trainboard lr-find`")
    return config


def run_train(args: argparse.Namespace) -> int:
    """Handler of `trainboard train`: train, print the report lines and the result file path to stdout."""
    load_plugin_flags(args)
    config = config_from_args(args)
    check_names(config, args.data_dir)
    out_dir = args.out or Path("runs") / f"{args.preset}-{time.strftime('%Y%m%d-%H%M%S')}"
    with console_logging(args.quiet):
        return _train_and_report(config, args, out_dir)


def _train_and_report(config: Any, args: argparse.Namespace, out_dir: Path) -> int:
    """Train `config` with a progress bar; print the report lines and the result file; the exit code."""
    # Torch is imported only now, so that `trainboard --help` and bad arguments answer at once.
    from trainboard.cli.console_sink import ConsoleSink
    from trainboard.trainer.data.errors import DatasetUnavailableError
    from trainboard.trainer.report import report_lines
    from trainboard.trainer.result_file import write_result
    from trainboard.trainer.sink import MultiSink, RecordingSink
    from trainboard.trainer.train import Trainer, TrainingDivergedError

    console = ConsoleSink(disable_bar=args.quiet)
    recording = RecordingSink()
    try:
        trainer = Trainer(config, MultiSink(console, recording), data_dir=args.data_dir, out_dir=out_dir)
    except DatasetUnavailableError as exc:
        raise CliError(f"dataset: {exc}", code=1) from None
    except ValueError as exc:  # device, layer names, batch size against the loaded data
        raise CliError(str(exc), code=EXIT_USAGE) from None

    try:
        with stop_on_first_interrupt(console.request_stop):  # first Ctrl-C: stop after this step with a checkpoint
            summary = trainer.run(args.resume)
    except TrainingDivergedError as exc:
        raise CliError(str(exc), code=1) from None
    finally:
        console.close()

    if summary["stopped"]:
        print(f"stopped after {summary['global_step']} steps; resume with --resume {summary['checkpoint']}",
              file=sys.stderr)
        return 130
    for line in report_lines(summary):
        print(line)
    print(f"result: {write_result(out_dir, summary, recording.points)}")
    return 0
