"""`trainboard serve`: the API, the dashboard and N local worker processes."""

from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path
from types import FrameType
from typing import Any

ORDER = 10
GRACEFUL_SHUTDOWN_S = 3  # open event streams never end by themselves; stop waiting for them after this


def register(subcommands: Any) -> None:
    """Add the `serve` subcommand."""
    parser = subcommands.add_parser(
        "serve",
        help="start the dashboard, the API and local workers",
        description="Serve the API and the dashboard, and start local worker processes that run the queued runs.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--workers", type=int, default=1, help="local worker processes (default 1; 0 = API only)")
    parser.add_argument("--db", type=Path, default=None, help="SQLite database file (env TRAINBOARD_DB)")
    parser.add_argument("--data-dir", type=Path, default=None, help="dataset directory (env TRAINBOARD_DATA_DIR)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    parser.set_defaults(handler=run_serve)


def local_server_url(host: str, port: int) -> str:
    """The URL local workers use to reach a server listening on host:port."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def run_serve(args: argparse.Namespace) -> int:
    """Handler of `trainboard serve`: runs until Ctrl-C or SIGTERM, then stops the local workers."""
    import logging

    import uvicorn

    from backend.app import create_app
    from backend.cli import CliError
    from backend.local_workers import start_local_workers, stop_local_workers
    from backend.settings import Settings

    if args.workers < 0:
        raise CliError("workers: must be 0 or more")
    if not 0 < args.port < 65536:
        raise CliError("port: must be between 1 and 65535")
    env = dict(os.environ)
    if args.db is not None:
        env["TRAINBOARD_DB"] = str(args.db)
        env.pop("TRAINBOARD_DATABASE_URL", None)  # an explicit file wins over a URL from the environment
    if args.data_dir is not None:
        env["TRAINBOARD_DATA_DIR"] = str(args.data_dir)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = Settings.from_env(env)
    app = create_app(settings)
    config = uvicorn.Config(
        app, host=args.host, port=args.port, log_level=args.log_level, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S
    )
    server = uvicorn.Server(config)
    workers = start_local_workers(args.workers, local_server_url(args.host, args.port), settings.data_dir)
    # uvicorn handles SIGINT/SIGTERM itself, then re-raises the signal once it has stopped; with the default
    # handlers that would end this process before its workers are stopped, so the re-raise lands on a no-op.
    previous = {sig: signal.signal(sig, _already_handled) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        stop_local_workers(workers)
    return 0 if server.started else 1


def _already_handled(_signum: int, _frame: FrameType | None) -> None:
    """uvicorn already shut down on this signal; nothing more to do here."""
