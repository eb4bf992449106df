"""How the CLI reports bad input: one line on stderr, "error: <field>: <what is wrong>", exit code 2."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, NoReturn

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
