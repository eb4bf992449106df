"""Throwaway PostgreSQL for tests and benchmarks: a private server on loopback, and a fresh database per user.

`TRAINBOARD_TEST_POSTGRES_URL` (an admin URL such as postgresql+psycopg://postgres@127.0.0.1:5432/postgres)
switches the backend and end-to-end suites to PostgreSQL: each test then gets its own database, created
from that URL and dropped afterwards. `PostgresServer` starts a private server (initdb into a temporary
folder, about two seconds) for tests and benchmarks that need PostgreSQL even when the variable is unset.
PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user.
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL, make_url

log = logging.getLogger(__name__)

ADMIN_URL_ENV = "TRAINBOARD_TEST_POSTGRES_URL"
SERVER_USER = "postgres"  # the system user a root process runs the server as
START_TIMEOUT_S = 60
# Settings for a server whose data may be lost: no fsync, so a database per test costs milliseconds.
FAST_OPTIONS = ("-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off")

_created: set[str] = set()  # databases this process made and has not dropped yet: name -> dropped at exit
_created_lock = threading.Lock()


def admin_url_from_env() -> str | None:
    """The admin URL from TRAINBOARD_TEST_POSTGRES_URL, or None when the suite runs on SQLite."""
    return os.environ.get(ADMIN_URL_ENV) or None


def _conninfo(url: URL) -> dict[str, object]:
    """psycopg connection keywords for an SQLAlchemy URL."""
    fields = {
        "host": url.host, "port": url.port, "user": url.username, "password": url.password, "dbname": url.database
    }
    return {key: value for key, value in fields.items() if value is not None}


def _admin_execute(admin_url: str, statement: str) -> None:
    with psycopg.connect(**_conninfo(make_url(admin_url)), autocommit=True, connect_timeout=10) as connection:
        connection.execute(statement)


def create_database(admin_url: str) -> str:
    """Create an empty database `tb_<random>` on the admin URL's server; returns its SQLAlchemy URL."""
    name = f"tb_{secrets.token_hex(6)}"
    _admin_execute(admin_url, f"CREATE DATABASE {name}")
    with _created_lock:
        _created.add(name)
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, database_url: str) -> None:
    """Drop a database made by create_database, ending its open connections first; logs instead of raising."""
    name = make_url(database_url).database
    assert name is not None and name.startswith("tb_"), f"refusing to drop {name!r}"
    try:
        _admin_execute(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except psycopg.Error as error:  # the server may already be gone at interpreter exit
        log.warning("could not drop test database %s: %s", name, error)
    with _created_lock:
        _created.discard(name)


def _drop_leftovers() -> None:
    """At exit: drop databases whose owner never dropped them (a test that crashed)."""
    admin_url = admin_url_from_env()
    with _created_lock:
        names = sorted(_created)
    if admin_url is None:
        return
    for name in names:
        drop_database(admin_url, make_url(admin_url).set(database=name).render_as_string(hide_password=False))


atexit.register(_drop_leftovers)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _bin_dir() -> Path:
    """The newest installed PostgreSQL's bin folder (Debian keeps them in /usr/lib/postgresql/<major>/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    return Path(initdb).parent


class PostgresServer:
    """A private PostgreSQL server on 127.0.0.1 with trust auth, in a temporary folder; start() and stop()."""

    def __init__(self, durable: bool = False) -> None:
        self.durable = durable  # False: fsync off (tests); True: PostgreSQL's defaults (benchmarks)
        self.folder: Path | None = None
        self.port = 0
        self._bin = _bin_dir()
        self._as_root = os.geteuid() == 0

    @property
    def admin_url(self) -> str:
        """postgresql+psycopg://postgres@127.0.0.1:PORT/postgres"""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self._bin / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=START_TIMEOUT_S)

    def start(self) -> PostgresServer:
        """initdb into a fresh temporary folder and start the server on a free port; waits until it accepts."""
        self.folder = Path(tempfile.mkdtemp(prefix="trainboard-pg-"))
        if self._as_root:
            shutil.chown(self.folder, SERVER_USER, SERVER_USER)
        data = self.folder / "data"
        try:
            self._run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "-N")
            self.port = _free_port()
            options = [f"-k {self.folder}", f"-p {self.port}", "-c listen_addresses=127.0.0.1"]
            options += [] if self.durable else list(FAST_OPTIONS)
            log_file = str(self.folder / "server.log")
            self._run("pg_ctl", "-D", str(data), "-l", log_file, "-w", "-o", " ".join(options), "start")
        except subprocess.CalledProcessError as error:
            detail = (error.stderr or b"").decode(errors="replace")
            self.stop()
            raise RuntimeError(f"PostgreSQL did not start: {detail}") from error
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown: open connections are ended) and delete its folder."""
        if self.folder is None:
            return
        if (self.folder / "data" / "postmaster.pid").exists():
            try:
                self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
            except subprocess.CalledProcessError as error:
                log.warning("pg_ctl stop failed: %s", (error.stderr or b"").decode(errors="replace"))
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None
