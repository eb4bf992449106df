"""`trainboard serve`: the API, the dashboard and N local worker processes.

Shutdown order matters: on Ctrl-C or SIGTERM the local workers stop first (each checkpoints its run and
hands it back to the queue, which needs the server), then the server stops.
"""

from __future__ import annotations

import argparse
import errno
import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

GRACEFUL_SHUTDOWN_S = 3  # open event streams never end by themselves; stop waiting for them after this


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `trainboard serve`."""
    parser.description = "Serve the API and the dashboard, and start local worker processes that run the queued runs."
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--workers", type=int, default=1, help="local worker processes (default 1; 0 = API only)")
    parser.add_argument("--db", type=Path, default=None, help="SQLite database file (env TRAINBOARD_DB)")
    parser.add_argument("--data-dir", type=Path, default=None, help="dataset directory (env TRAINBOARD_DATA_DIR)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    parser.add_argument("--plugin", dest="plugins", action="append", default=[], metavar="MODULE_OR_FILE",
                        help="a module or .py file of networks or datasets for the local workers to import "
                             "(repeatable; the server itself never imports it)")


def local_server_url(host: str, port: int) -> str:
    """The URL local workers use to reach a server listening on host:port."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def bind_listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port for uvicorn; a busy or unusable address is a one-line CliError."""
    from trainboard.cli.errors import CliError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: restart right after a stop
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise CliError(f"port: {port} is in use on {host}; choose another with --port "
                           f"(make run PORT=...)", code=1) from None
        raise CliError(f"host: cannot listen on {host}:{port}: {exc.strerror}", code=1) from None
    sock.set_inheritable(True)
    return sock


def settings_from_args(args: argparse.Namespace) -> Any:
    """The server's settings: TRAINBOARD_* variables, with --db and --data-dir taking precedence."""
    from trainboard.backend.settings import Settings, SettingsError
    from trainboard.cli.errors import CliError

    given: dict[str, Any] = {}
    extra_hosts = listening_host_names(args.host)
    if args.db is not None:
        given.update(db=args.db, database_url=None)  # an explicit file wins over a URL from the environment
    if args.data_dir is not None:
        given["data_dir"] = args.data_dir
    try:
        settings = Settings.from_env(**given)
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    hosts = tuple(dict.fromkeys((*settings.allowed_hosts, *extra_hosts)))
    return settings.model_copy(update={"allowed_hosts": hosts})


def listening_host_names(host: str) -> tuple[str, ...]:
    """The Host names a server bound to `host` answers to besides loopback: the address itself, or for a
    wildcard address this machine's names and addresses (others go in TRAINBOARD_ALLOWED_HOSTS)."""
    if host not in ("0.0.0.0", "::", ""):
        return (host,)
    names = {socket.gethostname(), socket.getfqdn()}
    try:
        names.update(info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None))
    except OSError:
        pass
    return tuple(sorted(names))


def run_serve(args: argparse.Namespace) -> int:
    """Handler of `trainboard serve`: runs until Ctrl-C or SIGTERM, then stops the local workers, then itself."""
    from trainboard.backend.app import create_app
    from trainboard.cli.errors import CliError
    from trainboard.cli.local_workers import kill_local_workers, start_local_workers, stop_local_workers

    if args.workers < 0:
        raise CliError("workers: must be 0 or more")
    if not 0 < args.port < 65536:
        raise CliError("port: must be between 1 and 65535")
    settings = settings_from_args(args)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    sock = bind_listening_socket(args.host, args.port)
    app = create_app(settings)
    url = local_server_url(args.host, args.port)
    workers = start_local_workers(args.workers, url, settings.data_dir, plugins=args.plugins)
    server = workers_first_server(
        app, args.log_level,
        stop_workers=lambda: stop_local_workers(workers), kill_workers=lambda: kill_local_workers(workers),
    )
    print(f"dashboard: {url}/  (API docs: {url}/docs)", file=sys.stderr, flush=True)
    # uvicorn handles SIGINT/SIGTERM itself, then re-raises the signal once it has stopped; with the default
    # handlers that would end this process before its workers are stopped, so the re-raise lands on a no-op.
    previous = {sig: signal.signal(sig, _already_handled) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        stop_local_workers(workers)  # nothing left to do when the shutdown already stopped them
        sock.close()
    return 0 if server.started else 1


def workers_first_server(
    app: Any, log_level: str, stop_workers: Callable[[], None], kill_workers: Callable[[], None]
) -> Any:
    """A uvicorn server whose first Ctrl-C/SIGTERM stops the local workers, then the server; a second forces both."""
    import uvicorn

    class WorkersFirstServer(uvicorn.Server):
        stopping: threading.Thread | None = None

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            # Runs in the signal handler; the workers' hand-back needs this server, so it waits in a thread.
            if self.stopping is None:
                print("stopping: the local workers hand their runs back, then the server stops (again to force)",
                      file=sys.stderr, flush=True)
                self.stopping = threading.Thread(target=self._workers_then_server, name="serve-stop", daemon=True)
                self.stopping.start()
                return
            kill_workers()
            super().handle_exit(sig, frame)

        def _workers_then_server(self) -> None:
            try:
                stop_workers()
            finally:
                self.should_exit = True

    config = uvicorn.Config(app, log_level=log_level, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S)
    return WorkersFirstServer(config)


def _already_handled(_signum: int, _frame: FrameType | None) -> None:
    """uvicorn already shut down on this signal; nothing more to do here."""
