"""Command-line entry of a worker process: `trainboard worker` and `python -m trainboard.worker`."""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
from pathlib import Path

from trainboard.trainer.config import TAG_PATTERN

log = logging.getLogger(__name__)

TAGS_ENV = "TRAINBOARD_WORKER_TAGS"
EXIT_PLUGIN = 2  # a plugin failed to import (or a tag is malformed): the worker does not start


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The worker's flags (shared by `trainboard worker` and `python -m trainboard.worker`)."""
    parser.add_argument("--server", default=os.environ.get("TRAINBOARD_SERVER", "http://127.0.0.1:8000"),
                        help="backend URL (env TRAINBOARD_SERVER)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--name", default=None, help="worker name shown in the dashboard (default host-device)")
    parser.add_argument("--data-dir", type=Path, default=None, help="dataset directory (env TRAINBOARD_DATA_DIR)")
    parser.add_argument("--work-dir", type=Path, default=None, help="scratch directory for checkpoints and outbox")
    parser.add_argument("--max-runs", type=int, default=None, help="exit after this many runs")
    parser.add_argument("--poll", type=float, default=1.0, help="seconds to wait after a failed claim")
    parser.add_argument("--plugin", dest="plugins", action="append", default=[], metavar="MODULE_OR_FILE",
                        help="import a module or .py file that registers networks or datasets (repeatable; "
                             "also env TRAINBOARD_PLUGINS, comma-separated)")
    parser.add_argument("--tag", dest="tags", action="append", default=[], metavar="TAG",
                        help="a tag this worker carries, e.g. a100 (repeatable; env TRAINBOARD_WORKER_TAGS, "
                             "comma-separated); runs that name worker_tags go only to workers carrying them all")
    parser.add_argument("--rescan", type=float, default=30.0, metavar="SECONDS",
                        help="between runs, look this often for datasets added to the data directory (default 30)")
    parser.add_argument("--scripts", type=Path, action="append", default=[], metavar="DIR",
                        help="run users' scripts (runs of kind script) from inside DIR; repeatable (default: none)")
    parser.add_argument("--give-up-after", type=float, default=300.0, metavar="SECONDS",
                        help="fail a run whose reports the server keeps refusing with errors for this long "
                             "(default 300; a server that cannot be reached is waited for without limit)")


def run_from_args(args: argparse.Namespace) -> int:
    """Start a worker with parsed flags; SIGTERM hands the current run back and exits 0."""
    # Imported here, so that `trainboard --help` and the other commands do not load the worker's HTTP stack.
    from trainboard.plugins.loading import PluginError, load_plugins
    from trainboard.worker.loop import Worker, WorkerOptions

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would drown the run's own lines
    try:
        plugins = load_plugins(args.plugins)
    except PluginError as error:
        log.error("%s", error)
        return EXIT_PLUGIN
    env_tags = [t.strip() for t in os.environ.get(TAGS_ENV, "").split(",") if t.strip()]
    bad_tags = [t for t in [*env_tags, *args.tags] if not re.match(TAG_PATTERN, t)]
    if bad_tags:
        log.error("invalid worker tag %r: use up to 40 letters, digits, '_', '.', ':' or '-'", bad_tags[0])
        return EXIT_PLUGIN
    options = WorkerOptions(
        server=args.server, device=args.device, name=args.name, data_dir=args.data_dir, work_dir=args.work_dir,
        token=os.environ.get("TRAINBOARD_TOKEN") or None, poll_s=args.poll, max_runs=args.max_runs,
        give_up_s=args.give_up_after, tags=[*env_tags, *args.tags], plugins=plugins, rescan_s=args.rescan,
        scripts=args.scripts,
    )
    worker = Worker(options)
    signal.signal(signal.SIGTERM, lambda *_: worker.request_shutdown())
    signal.signal(signal.SIGINT, lambda *_: worker.request_shutdown())
    return worker.run_forever()


def main(argv: list[str] | None = None) -> int:
    """`python -m trainboard.worker ...`"""
    parser = argparse.ArgumentParser(prog="trainboard worker", description="Claim and run training runs.")
    add_arguments(parser)
    return run_from_args(parser.parse_args(argv))
