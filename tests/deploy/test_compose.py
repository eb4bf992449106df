"""docker-compose.yml and its overrides: valid for docker-compose; every service runs a valid `trainboard` command."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from deploy_files import MULTI_GPU_OVERRIDE, POSTGRES_OVERRIDE, compose_config, parse_dockerfile
from sqlalchemy.engine import make_url

from trainboard.cli.main import CliError, build_parser

BACKEND_PORT = 8000  # inside the container


@pytest.fixture(scope="module")
def default_stack() -> dict[str, Any]:
    return compose_config()


@pytest.fixture(scope="module")
def postgres_stack() -> dict[str, Any]:
    return compose_config(POSTGRES_OVERRIDE, profiles=("postgres",))


@pytest.fixture(scope="module")
def multi_gpu_stack() -> dict[str, Any]:
    return compose_config(MULTI_GPU_OVERRIDE)


def _trainboard_services(stack: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run the project's image (the others, like postgres, run upstream images)."""
    return {name: s for name, s in stack["services"].items() if s.get("image", "").startswith("trainboard")}


def _parse_cli(command: list[str]) -> Any:
    """The namespace `trainboard <command>` parses to; fails the test with the CLI's own message otherwise."""
    try:
        return build_parser().parse_args(command)
    except (CliError, SystemExit) as exc:
        pytest.fail(f"`trainboard {' '.join(command)}` is not a valid invocation: {exc}")


def test_default_stack_runs_backend_and_one_gpu_worker_on_sqlite(default_stack: dict[str, Any]) -> None:
    services = default_stack["services"]
    backend, worker = services["backend"], services["worker"]
    assert "profiles" not in backend and "profiles" not in worker
    # SQLite on the state volume: no database URL unless one is given.
    assert backend["environment"]["TRAINBOARD_DATABASE_URL"] == ""
    assert "state:/var/lib/trainboard:rw" in backend["volumes"]
    assert worker["depends_on"] == {"backend": {"condition": "service_healthy"}}
    devices = worker["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]


def test_backend_is_published_on_loopback_only_and_health_checked(default_stack: dict[str, Any]) -> None:
    backend = default_stack["services"]["backend"]
    assert backend["ports"] == [f"127.0.0.1:8000:{BACKEND_PORT}/tcp"]
    probe = " ".join(backend["healthcheck"]["test"])
    assert f"http://127.0.0.1:{BACKEND_PORT}/api/health" in probe


def test_backend_and_workers_share_the_data_directory_the_image_uses(
    default_stack: dict[str, Any], multi_gpu_stack: dict[str, Any]
) -> None:
    data_dir = parse_dockerfile().env["TRAINBOARD_DATA_DIR"]
    for name, service in {**_trainboard_services(default_stack), **_trainboard_services(multi_gpu_stack)}.items():
        assert f"datasets:{data_dir}:rw" in service["volumes"], name


def test_postgres_profile_switches_the_backend_to_the_bundled_database(postgres_stack: dict[str, Any]) -> None:
    services = postgres_stack["services"]
    postgres, backend = services["postgres"], services["backend"]
    assert postgres["profiles"] == ["postgres"]
    url = make_url(backend["environment"]["TRAINBOARD_DATABASE_URL"])
    assert url.drivername == "postgresql+psycopg"
    assert url.host == "postgres" and (url.port or 5432) == 5432
    # The URL's credentials are the ones the postgres container is initialised with.
    env = postgres["environment"]
    credentials = (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["POSTGRES_DB"])
    assert (url.username, url.password, url.database) == credentials
    # The backend starts only once the database answers, and the database keeps its data on a volume.
    assert backend["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert any(volume.endswith(":/var/lib/postgresql/data:rw") for volume in postgres["volumes"])


def test_multi_gpu_override_adds_workers_pinned_to_other_gpus(multi_gpu_stack: dict[str, Any]) -> None:
    services = multi_gpu_stack["services"]
    base = services["worker"]
    extra = {name: s for name, s in services.items() if name.startswith("worker-gpu")}
    assert extra, "the override adds no per-GPU worker"
    for name, service in extra.items():
        devices = service["deploy"]["resources"]["reservations"]["devices"]
        gpu = name.removeprefix("worker-gpu")
        assert devices == [{"driver": "nvidia", "device_ids": [gpu], "capabilities": ["gpu"]}]
        # Apart from its GPU, a per-GPU worker is the worker service.
        for key in ("image", "build", "command", "environment", "volumes", "depends_on", "stop_grace_period"):
            assert service.get(key) == base.get(key), f"{name}.{key} differs from worker.{key}"
    assert base["deploy"]["resources"]["reservations"]["devices"][0]["count"] == 1


@pytest.mark.parametrize("stack_name", ["default_stack", "postgres_stack", "multi_gpu_stack"])
def test_every_service_command_is_a_valid_cli_invocation(stack_name: str, request: pytest.FixtureRequest) -> None:
    stack = request.getfixturevalue(stack_name)
    services = _trainboard_services(stack)
    assert {"backend", "worker"} <= set(services)
    for name, service in services.items():
        args = _parse_cli(service["command"])
        if name == "backend":
            assert args.command == "serve"
            assert args.host == "0.0.0.0" and args.port == BACKEND_PORT
            assert args.workers == 0  # training runs in the worker services
        else:
            assert args.command == "worker", name
            assert args.device == "cuda"
            server = urlsplit(args.server)
            assert (server.hostname, server.port) == ("backend", BACKEND_PORT), name


def test_image_default_command_is_a_valid_cli_invocation() -> None:
    dockerfile = parse_dockerfile()
    assert dockerfile.entrypoint == ["trainboard"]
    args = _parse_cli(dockerfile.cmd)
    assert args.command == "serve" and args.host == "0.0.0.0"
