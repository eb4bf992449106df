"""pyproject.toml lists every package of the `trainboard` namespace, and the dashboard's files ship with it."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import tomllib

REPO = Path(__file__).resolve().parents[2]
SETUPTOOLS = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]


def _folder_of(package: str) -> Path:
    """The folder setuptools builds `package` from, through the package-dir mapping."""
    mapping = SETUPTOOLS["package-dir"]
    parts = package.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in mapping:
            return REPO / mapping[prefix] / Path(*parts[cut:])
    raise AssertionError(f"{package} is not under a mapped folder")


def test_every_folder_with_python_modules_is_a_listed_package() -> None:
    listed = set(SETUPTOOLS["packages"])
    folders = {_folder_of(package) for package in listed}
    for root in {REPO / folder for folder in SETUPTOOLS["package-dir"].values()}:
        for init in root.rglob("__init__.py"):
            assert init.parent in folders, f"{init.parent.relative_to(REPO)} holds a package that pyproject omits"
    for package in listed:
        assert (_folder_of(package) / "__init__.py").is_file(), f"{package}: no __init__.py"


def test_every_dashboard_file_is_package_data() -> None:
    patterns = SETUPTOOLS["package-data"]["trainboard.frontend"]
    frontend = REPO / "frontend"
    for path in frontend.rglob("*"):
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts:
            relative = path.relative_to(frontend).as_posix()
            assert any(fnmatch.fnmatchcase(relative, p) and relative.count("/") == p.count("/") for p in patterns), (
                f"frontend/{relative} would be missing from the wheel"
            )


def test_the_console_script_is_the_cli_of_the_namespace() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"trainboard": "trainboard.cli.main:main"}
