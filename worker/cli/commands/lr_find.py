"""`trainboard lr-find`: run an LR range test here with a progress bar; print the suggestions, write JSON + HTML."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from trainboard.cli.config_args import COMMON_FLAGS, FieldFlag, add_config_arguments, config_overrides
from trainboard.cli.console_logging import console_logging
from trainboard.cli.console_sink import ConsoleSink
from trainboard.cli.console_sink import logger as console_logger
from trainboard.cli.errors import EXIT_USAGE, CliError, format_validation_error
from trainboard.cli.interrupt import stop_on_first_interrupt
from trainboard.cli.plugin_flags import add_plugin_argument, check_names, load_plugin_flags
from trainboard.trainer.config import DATASET_NAMES, MODEL_NAMES
from trainboard.trainer.sink import MetricPoint, MultiSink, Progress, RecordingSink

DEFAULT_PRESET = "resnet-lrfind"
CURVE_JSON = "lr_curve.json"
CURVE_HTML = "lr_curve.html"

# (flag, config field, type): the model/data fields a sweep is most often pointed at, and the sweep's own.
FIELD_FLAGS: list[FieldFlag] = [
    *COMMON_FLAGS,
    ("--optimizer", "optimizer", str),
    ("--start-lr", "start_lr", float),
    ("--end-lr", "end_lr", float),
    ("--num-iter", "num_iter", int),
    ("--mode", "mode", str),
    ("--smooth", "smooth", float),
    ("--diverge", "diverge", float),
]
FLAG_HELP = {
    "dataset": ", ".join(DATASET_NAMES),
    "model": ", ".join(MODEL_NAMES),
    "optimizer": "sgd, adam or adamw",
    "start_lr": "first lr of the sweep (default 1e-7)",
    "end_lr": "last lr of the sweep (default 10)",
    "num_iter": "training steps in the sweep (default 100)",
    "mode": "exp (geometric steps, default) or linear",
    "smooth": "EMA factor of the smoothed loss; 0 = none (default 0.05)",
    "diverge": "stop when the smoothed loss exceeds this x its best (default 5)",
    "train_limit": "use only the first N training images",
    "device": "auto, cpu, cuda, cuda:N or mps",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `trainboard lr-find`."""
    parser.description = (
        "Sweep the learning rate over a few training steps (Leslie Smith's LR range test), print the "
                    "suggested lr of each rule and write the curve as JSON and as a standalone Plotly page. "
                    "A training preset's model, data and optimizer are used with the sweep fields added."
    )
    add_config_arguments(parser, DEFAULT_PRESET, FIELD_FLAGS, flag_help=FLAG_HELP, set_example="--set pad_crop=true",
                         preset_note="training presets work too; see `trainboard presets`")
    add_plugin_argument(parser)
    parser.add_argument("--data-dir", type=Path, default=None, help="dataset directory (default: $TRAINBOARD_DATA_DIR "
                        "or the user data directory)")
    parser.add_argument("--out", type=Path, default=None, help=f"output directory for {CURVE_JSON} and {CURVE_HTML} "
                        "(default: runs/lr-find-<preset>-<time>)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no log lines")


def config_from_args(args: argparse.Namespace) -> Any:
    """The validated LRFindConfig: the preset's fields, kind lr_find, then the overrides (CliError on bad input)."""
    from pydantic import ValidationError

    from trainboard.trainer.config import LRFindConfig
    from trainboard.trainer.presets import build_config

    overrides = {**config_overrides(args, FIELD_FLAGS), "kind": "lr_find"}
    try:
        return build_config(args.preset, overrides)
    except ValidationError as exc:
        raise CliError(format_validation_error(exc, list(LRFindConfig.model_fields))) from None


def suggestion_lines(payload: dict[str, Any]) -> list[str]:
    """The text report: one line per rule, the recommendation, and why the sweep ended early if it did."""
    lines = []
    for rule, lr in payload["suggestions"].items():
        lines.append(f"{rule:<12} {lr:.2e}" if lr is not None else f"{rule:<12} -  (the curve gives this rule nothing)")
    recommended = payload["recommended"]
    if recommended is None:
        lines.append("recommended  none: no rule applies (the sweep was too short or the loss never fell)")
    else:
        lines.append(f"recommended  {payload['recommended_lr']:.2e}  ({recommended}); "
                     f"training config lr {payload['train_config']['lr']:g}")
    if payload["disagreement"]:
        lines.append("warning: the rules disagree by more than 10x; check the curve before trusting the recommendation")
    if payload["stopped_early"]:
        lines.append(f"stopped early after {len(payload['lr'])} steps: {payload['stop_detail']}")
    return lines


class LRFindConsoleSink(ConsoleSink):
    """ConsoleSink with a bar for a sweep: steps of the sweep, its current lr and smoothed loss."""

    def on_start(self, info: dict[str, Any]) -> None:
        console_logger.info(
            "LR range test of %s (%s parameters) on %s: %d train images, device %s",
            info.get("model"), f"{info.get('parameters', 0):,}", info.get("dataset"),
            info.get("train_images", 0), info.get("device"),
        )
        self.bar = tqdm(total=info.get("total_steps", 0), unit="step", desc="lr-find", file=self.stream or sys.stderr,
                        disable=self.disable_bar, dynamic_ncols=True, leave=True)

    def on_metrics(self, points: list[MetricPoint]) -> None:
        self._last.update({p.name: p.value for p in points})

    def on_progress(self, progress: Progress) -> None:
        if self.bar is None:
            return
        postfix = {}
        if "lrf_lr" in self._last:
            postfix["lr"] = f"{self._last['lrf_lr']:.3g}"
        if "lrf_smoothed" in self._last:
            postfix["smoothed loss"] = f"{self._last['lrf_smoothed']:.4f}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(progress.step - self.bar.n)


def write_outputs(out_dir: Path, config: Any, payload: dict[str, Any]) -> tuple[Path, Path]:
    """Write lr_curve.json (the config and the lr_curve payload) and the standalone lr_curve.html."""
    from trainboard.trainer.lr_plot import write_lr_curve_html

    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / CURVE_JSON
    document = {"config": config.model_dump(mode="json"), **payload}
    json_path.write_text(json.dumps(document, indent=1, allow_nan=False) + "\n")
    title = f"LR range test: {config.model} on {config.dataset} ({config.optimizer}, batch {config.batch_size})"
    html_path = write_lr_curve_html(payload, out_dir / CURVE_HTML, title=title)
    return json_path, html_path


def run_lr_find_command(args: argparse.Namespace) -> int:
    """Handler of `trainboard lr-find`: sweep, print the suggestions, write the curve files."""
    load_plugin_flags(args)
    config = config_from_args(args)
    check_names(config, args.data_dir)
    out_dir = args.out or Path("runs") / f"lr-find-{args.preset}-{time.strftime('%Y%m%d-%H%M%S')}"

    # Torch is imported only now, so that `trainboard --help` and bad arguments answer at once.
    from trainboard.trainer.data.errors import DatasetUnavailableError
    from trainboard.trainer.device import DeviceUnavailableError, resolve_device
    from trainboard.trainer.lr_finder import run_lr_find

    try:
        resolve_device(config.device)  # a missing device is bad input: say so before any work
    except DeviceUnavailableError as exc:
        raise CliError(str(exc)) from None

    console = LRFindConsoleSink(disable_bar=args.quiet)
    recording = RecordingSink()
    try:
        # First Ctrl-C: end the sweep, keep what was measured.
        with console_logging(args.quiet), stop_on_first_interrupt(console.request_stop):
            run_lr_find(config, MultiSink(console, recording), data_dir=args.data_dir)
    except DatasetUnavailableError as exc:
        raise CliError(f"dataset: {exc}", code=1) from None
    except ValueError as exc:  # device, batch size against the loaded data
        raise CliError(str(exc), code=EXIT_USAGE) from None
    finally:
        console.close()

    payload = recording.artifacts["lr_curve"]
    json_path, html_path = write_outputs(out_dir, config, payload)
    for line in suggestion_lines(payload):
        print(line)
    print(f"curve: {json_path}")
    print(f"plot: {html_path}")
    if payload["stop_reason"] == "stop_requested":
        print("stopped on request; the files hold the partial curve", file=sys.stderr)
        return 130
    return 0
