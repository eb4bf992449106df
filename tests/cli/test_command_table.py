"""`trainboard --help` comes from the one table of subcommands; each row builds a parser and has a handler."""

from __future__ import annotations

import re
import subprocess
import sys

from trainboard.cli.main import COMMANDS, build_parser


def test_help_lists_every_command_of_the_table_in_its_order() -> None:
    result = subprocess.run([sys.executable, "-m", "trainboard", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    listed = [line.split()[0] for line in result.stdout.splitlines() if re.match(r"^    \S", line)]
    assert listed == [command.name for command in COMMANDS]


def test_every_command_parses_its_help_and_reaches_its_own_handler() -> None:
    parser = build_parser()
    names = [command.name for command in COMMANDS]
    assert len(names) == len(set(names))
    for command in COMMANDS:
        needs = {"watch": ["7"], "cancel": ["7"], "continue": ["7"], "sweep": ["--param", "lr=0.1:0.2"], "tag": ["7", "aug"], "note": ["7", "why"], "sync": ["runs/"]}
        args = parser.parse_args([command.name, *needs.get(command.name, [])])
        assert args.handler is command.handler, command.name
