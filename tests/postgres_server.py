"""A real PostgreSQL for tests: ``initdb`` and ``pg_ctl`` in a temporary directory, on a free loopback port.

Debian's ``postgresql`` package (``setup.sh`` installs it where missing) puts the binaries under
``/usr/lib/postgresql/<version>/bin``. PostgreSQL refuses to run as root, so as root the server runs as
the ``postgres`` user the package creates.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.live_server import free_port


def postgres_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None when PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


class PostgresServer:
    """A throwaway server in its own folder; ``stop`` and ``start`` it again to test a restart."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.folder = Path(tempfile.mkdtemp(prefix="rapport-pg-"))  # not under pytest's root-only tmp tree
        if self.as_postgres:
            shutil.chown(self.folder, "postgres")
        self.port = free_port()
        self.url = f"postgresql://rapport@127.0.0.1:{self.port}/postgres"
        self.data = self.folder / "data"
        self._run(str(binaries / "initdb"), "-D", str(self.data), "-U", "rapport", "--auth=trust", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = self.folder / "server.log"
        self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(log), "-w", "start")

    def stop(self) -> None:
        self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True, timeout=60)


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a throwaway server (database ``postgres``, user ``rapport``, trust auth); removed afterwards."""
    binaries = postgres_binaries()
    if binaries is None:
        raise RuntimeError("PostgreSQL is not installed: run `bash setup.sh` (it installs Debian's postgresql)")
    server = PostgresServer(binaries)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        server.remove()
