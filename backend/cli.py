"""The `trainboard` command. Each subcommand lives in its own module backend/cli_<name>.py.

A subcommand module defines `register(subcommands)`, which adds its parser with
`set_defaults(handler=...)`; the handler takes the parsed namespace and returns the exit code.
An optional module-level `ORDER` (int, default 100) sets its place in `--help`. Subcommand modules
import heavy libraries (torch, the web stack) inside their handlers, so `trainboard --help` stays fast.

Bad input ends with exit code 2 and one line on stderr: "error: <field>: <what is wrong>".
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import pkgutil
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from types import FrameType
from typing import Any, NoReturn

import backend

PROG = "trainboard"
SUBCOMMAND_PREFIX = "cli_"
EXIT_USAGE = 2  # bad arguments or config, as argparse uses


class CliError(Exception):
    """A one-line error for the user; `code` is the exit status (2 for bad input)."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr (no usage block) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{self.prog.split()[-1]}: {message}")


def format_validation_error(exc: Any, fields: Sequence[str] = ()) -> str:
    """One line naming each bad field of a pydantic ValidationError: 'epochs: Input should be greater than 0'."""
    return format_field_errors(exc.errors(), fields)


def format_field_errors(errors: Sequence[dict[str, Any]], fields: Sequence[str] = ()) -> str:
    """One line from pydantic-style error dicts (loc, msg, type); an unknown field lists the valid `fields`."""
    parts = []
    for error in errors:
        location = ".".join(str(part) for part in error.get("loc", ()))
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        if error.get("type") == "extra_forbidden" and fields:
            message = f"unknown field; valid fields: {', '.join(fields)}"
        parts.append(f"{location}: {message}" if location else message)
    return "; ".join(parts)


@contextlib.contextmanager
def stop_on_first_interrupt(request_stop: Callable[[], None]) -> Iterator[None]:
    """While active, the first Ctrl-C calls request_stop() (end after this step, keep the work); a second aborts."""
    previous = signal.getsignal(signal.SIGINT)

    def on_interrupt(_signum: int, _frame: FrameType | None) -> None:
        request_stop()
        logging.getLogger(__name__).warning("stopping after this step (press Ctrl-C again to abort)")
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _subcommand_modules() -> list[Any]:
    """The backend/cli_*.py modules that define register(), in ORDER then name order."""
    modules = []
    for info in pkgutil.iter_modules(backend.__path__):
        if info.name.startswith(SUBCOMMAND_PREFIX):
            module = importlib.import_module(f"backend.{info.name}")
            if callable(getattr(module, "register", None)):
                modules.append(module)
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every discovered subcommand."""
    parser = OneLineParser(prog=PROG, description="Launch and watch PyTorch training of image classifiers.")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for module in _subcommand_modules():
        module.register(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `trainboard` console script; returns the exit code."""
    from pydantic import ValidationError

    from worker.trainer.presets import UnknownPresetError

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


if __name__ == "__main__":
    # Run through the package module so subcommands and this file share one CliError class.
    from backend.cli import main as package_main

    sys.exit(package_main())
