"""The Dockerfile: the `trainboard` entry point, an unprivileged user, state on volumes, sources that exist."""

from __future__ import annotations

import fnmatch
import re
from pathlib import PurePosixPath

import tomllib
from deploy_files import REPO, dockerignore_patterns, parse_dockerfile

SOURCE_DIRS = ("backend", "worker", "frontend")


def test_entrypoint_is_the_console_script_of_the_project() -> None:
    dockerfile = parse_dockerfile()
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert dockerfile.entrypoint == ["trainboard"]
    assert "trainboard" in scripts
    assert dockerfile.base.startswith("python:3.11-slim")


def test_runs_as_an_unprivileged_user() -> None:
    user = parse_dockerfile().user
    assert user and user not in ("root", "0") and not user.startswith(("root:", "0:"))


def test_database_artifacts_and_datasets_live_on_volumes() -> None:
    dockerfile = parse_dockerfile()
    volumes = [PurePosixPath(v) for v in dockerfile.volumes]
    for variable in ("TRAINBOARD_DB", "TRAINBOARD_ARTIFACT_DIR", "TRAINBOARD_DATA_DIR"):
        path = PurePosixPath(dockerfile.env[variable])
        assert any(path == v or v in path.parents for v in volumes), f"{variable}={path} is not on a volume"


def test_frontend_is_installed_with_the_package_not_pointed_at() -> None:
    dockerfile = parse_dockerfile()
    assert "TRAINBOARD_FRONTEND_DIR" not in dockerfile.env
    source_root = {destination for sources, destination in dockerfile.copies if sources == ["pyproject.toml", "README.md"]}
    frontend = {destination for sources, destination in dockerfile.copies if sources == ["frontend"]}
    assert frontend == {f"{root.rstrip('/')}/frontend" for root in source_root}


def test_copied_sources_exist_and_are_not_dockerignored() -> None:
    copies = parse_dockerfile().copies
    patterns = dockerignore_patterns()
    sources = [source for group, _ in copies for source in group]
    for source in sources:
        assert (REPO / source).exists(), f"COPY {source}: no such file in the repository"
        ignored = [p for p in patterns if fnmatch.fnmatch(source, p) or fnmatch.fnmatch(source.split("/")[0], p)]
        assert not ignored, f"COPY {source} is excluded by .dockerignore ({ignored})"
    # The project's packages and the files pip needs to build them are all in the image.
    assert {"pyproject.toml", *SOURCE_DIRS} <= set(sources)


def test_environment_variables_are_ones_the_code_reads() -> None:
    """Every TRAINBOARD_* variable set by the Dockerfile or the compose files is one the code reads."""
    from trainboard.backend.settings import ENV_PREFIX, EnvSettings

    code = "\n".join(p.read_text(encoding="utf-8") for d in SOURCE_DIRS for p in (REPO / d).rglob("*.py"))
    code += "".join(f' "{ENV_PREFIX}{name.upper()}"' for name in EnvSettings.model_fields)  # the server's settings
    deploy_text = "\n".join(
        (REPO / name).read_text(encoding="utf-8")
        for name in ("Dockerfile", "docker-compose.yml", "docs/compose.postgres.yml", "docs/compose.multi-gpu.yml")
    )
    # Names assigned (ENV NAME=..., "NAME: value" in YAML); the compose files' own ${...} settings are excluded.
    assigned = set(re.findall(r"\b(TRAINBOARD_[A-Z_]+)(?==|:\s)", deploy_text))
    assert {"TRAINBOARD_DB", "TRAINBOARD_DATA_DIR", "TRAINBOARD_DATABASE_URL", "TRAINBOARD_TOKEN"} <= assigned
    unread = sorted(name for name in assigned if f'"{name}"' not in code)
    assert not unread, f"set for the containers but read nowhere in backend/ or worker/: {unread}"
