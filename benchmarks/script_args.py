"""The command line every benchmark module shares when run as a script: --quick, and logging for its report."""

from __future__ import annotations

import argparse
import logging


def benchmark_parser(doc: str, quick_help: str) -> argparse.ArgumentParser:
    """A parser described by the first line of the module's docstring, with --quick; add more flags to it."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick_help)
    return parser


def report_logging() -> None:
    """Log plain message lines at INFO, without httpx's line per request."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
