"""A throw-away PostgreSQL cluster for tests that break their database (stop it, crash it).

The cluster lives in a temporary folder with its own port and socket directory, so the machine's own
PostgreSQL is never touched. ``initdb`` and ``pg_ctl`` refuse to run as root, so as root they run as
the ``postgres`` user (``runuser``), and the folder belongs to that user.

``fsync=off`` because the tests kill processes, never the machine: what a committed transaction
wrote reaches the kernel before the commit is acknowledged (``synchronous_commit`` stays on), and a
killed server finds it there. A missing tool is a skip with the reason on a user's machine and a
failure in CI (``CI=true`` or ``EVALFLOW_E2E_REQUIRED=1``).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "shared_buffers": "32MB",
    "logging_collector": "off",
}


def required() -> bool:
    return os.environ.get("CI") == "true" or bool(os.environ.get("EVALFLOW_E2E_REQUIRED"))


def missing(reason: str) -> None:
    """Skip with *reason*, or fail where the test must run (CI)."""
    if required():
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


def bin_dir() -> Path:
    """The server's programs: ``pg_config --bindir``, else the newest /usr/lib/postgresql/*/bin."""
    candidates: list[str] = []
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(found.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    for folder in candidates:
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    missing(
        "PostgreSQL's server programs (initdb, pg_ctl) are not installed (Debian: apt-get install postgresql)"
    )
    raise AssertionError("unreachable")


def _version(folder: str) -> int:
    name = Path(folder).parent.name
    return int(name) if name.isdigit() else 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A running cluster: ``url`` (TCP, user postgres, trust), ``restart_immediately()``, ``stop()``."""

    def __init__(self, folder: Path, programs: Path, as_postgres: list[str]) -> None:
        self.folder, self.programs, self._as = folder, programs, as_postgres
        self.data, self.log = folder / "data", folder / "server.log"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        cmd = [*self._as, str(self.programs / program), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise AssertionError(f"{program} failed: {done.stdout}{done.stderr}\n{self.server_log()}")

    def server_log(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        lines = [f"{key} = {value}" for key, value in SETTINGS.items()]
        lines += [f"port = {self.port}", f"unix_socket_directories = '{self.folder}'"]
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write("\n".join(lines) + "\n")

    def _ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", *args)

    def start(self) -> None:
        self._ctl("start")

    def restart_immediately(self) -> None:
        """Stop without a clean shutdown (the server's processes are killed, as in a crash), then
        start again: the server replays its log before it accepts connections."""
        self._ctl("-m", "immediate", "restart")

    def crash(self) -> None:
        """Stop as in a crash (``-m immediate``: the server's processes are killed); ``start()``
        brings it back through the same recovery as ``restart_immediately()``."""
        self._ctl("-m", "immediate", "stop")

    def stop(self) -> None:
        """Stop at once (the cluster is thrown away); quiet when it is not running."""
        cmd = [*self._as, str(self.programs / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
        subprocess.run(cmd, capture_output=True, timeout=60, check=False)


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """Start a cluster in a temporary folder; stop it and remove the folder afterwards."""
    programs = bin_dir()
    as_postgres: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="evalflow-pg-"))
    try:
        if os.geteuid() == 0:  # initdb will not run as root
            runuser = shutil.which("runuser")
            if runuser is None:
                missing("running as root needs runuser to start PostgreSQL as the postgres user")
            try:
                shutil.chown(folder, user="postgres")
            except LookupError:
                missing("running as root needs a 'postgres' user to own the test cluster")
            as_postgres = [str(runuser), "-u", "postgres", "--"]
        cluster = Cluster(folder, programs, as_postgres)
        cluster.init()
        cluster.start()
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
