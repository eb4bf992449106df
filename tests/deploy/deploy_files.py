"""Reading the deployment files as their tools do: `docker-compose config` for compose files, a Dockerfile parser."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
POSTGRES_OVERRIDE = REPO / "docs" / "compose.postgres.yml"
MULTI_GPU_OVERRIDE = REPO / "docs" / "compose.multi-gpu.yml"
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
COMPOSE_TIMEOUT_S = 60


def compose_binary() -> str:
    """Path of docker-compose; fails the test with what to install when it is missing."""
    found = shutil.which("docker-compose")
    if found is None:
        pytest.fail(
            "docker-compose is not installed: the deployment tests validate the compose files with "
            "`docker-compose config` (no engine needed). Install the Debian package: apt-get install docker-compose "
            "(.ci/run does this)."
        )
    return found


def compose_config(*overrides: Path, profiles: tuple[str, ...] = ()) -> dict[str, Any]:
    """The resolved configuration `docker-compose config` prints for docker-compose.yml plus `overrides`.

    Runs with an empty env file and no TRAINBOARD_/POSTGRES_/COMPOSE_ variables, so the defaults are checked.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRAINBOARD_", "POSTGRES_", "COMPOSE_"))}
    with tempfile.TemporaryDirectory(prefix="trainboard-compose-") as folder:
        empty_env_file = Path(folder) / "empty.env"  # instead of a developer's .env next to docker-compose.yml
        empty_env_file.touch()
        command = [compose_binary(), "--env-file", str(empty_env_file), "--project-directory", str(REPO),
                   "-f", str(COMPOSE_FILE)]
        for override in overrides:
            command += ["-f", str(override)]
        for profile in profiles:
            command += ["--profile", profile]
        command.append("config")
        result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, timeout=COMPOSE_TIMEOUT_S)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stderr}"
    return yaml.safe_load(result.stdout)


@dataclass
class Dockerfile:
    """The instructions of a Dockerfile that the tests look at."""

    base: str = ""
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    user: str = ""
    env: dict[str, str] = field(default_factory=dict)
    volumes: list[str] = field(default_factory=list)
    copies: list[tuple[list[str], str]] = field(default_factory=list)  # (sources, destination)


def parse_dockerfile(path: Path = DOCKERFILE) -> Dockerfile:
    """Parse FROM, ENTRYPOINT, CMD, USER, ENV, VOLUME and COPY (exec-form JSON arrays where Docker allows them)."""
    parsed = Dockerfile()
    for instruction, argument in _instructions(path.read_text(encoding="utf-8")):
        if instruction == "FROM":
            parsed.base = argument.split()[0]
        elif instruction == "ENTRYPOINT":
            parsed.entrypoint = json.loads(argument)
        elif instruction == "CMD":
            parsed.cmd = json.loads(argument)
        elif instruction == "USER":
            parsed.user = argument.strip()
        elif instruction == "ENV":
            parsed.env.update(part.split("=", 1) for part in shlex.split(argument))  # type: ignore[misc]
        elif instruction == "VOLUME":
            parsed.volumes += json.loads(argument) if argument.startswith("[") else argument.split()
        elif instruction == "COPY":
            *sources, destination = [p for p in shlex.split(argument) if not p.startswith("--")]
            parsed.copies.append((sources, destination))
    return parsed


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, argument) pairs with line continuations joined and comments dropped."""
    instructions, pending = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, argument = (pending + stripped).partition(" ")
        instructions.append((keyword.upper(), argument.strip()))
        pending = ""
    return instructions


def dockerignore_patterns(path: Path = DOCKERIGNORE) -> list[str]:
    """The non-comment lines of .dockerignore."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
