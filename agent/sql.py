"""One small table interface over SQLite (a file in the data dir) or Postgres (shared by replicas).

Why: what several ``rapport serve`` replicas must share (user keys now; profiles and the outbox
next, issue 22) lives in Postgres when ``RAPPORT_DATABASE_URL`` is set and in a SQLite file otherwise.
Callers write their SQL once, with ``?`` placeholders and portable types; each ``run`` is one
committed transaction.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any, Protocol

from memory.errors import InvalidInputError, StoreUnavailableError

CONNECT_TIMEOUT_S = 10.0


class Database(Protocol):
    def run(self, sql: str, params: tuple[Any, ...] = (), *, writes: bool = False) -> list[tuple[Any, ...]]:
        """Run one statement in its own transaction; the rows it returns (none for a write)."""
        ...

    def close(self) -> None: ...


class SqliteDatabase:
    """A SQLite file, created on the first write; reading a missing file reads nothing."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
        self.schema = schema

    def run(self, sql: str, params: tuple[Any, ...] = (), *, writes: bool = False) -> list[tuple[Any, ...]]:
        if not writes and not self.path.exists():
            return []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = sqlite3.connect(self.path, timeout=10.0)
        except sqlite3.Error as error:
            raise InvalidInputError("RAPPORT_DATA_DIR", f"cannot open {self.path}: {error}") from None
        try:
            db.execute("PRAGMA synchronous = FULL")  # what was acknowledged survives a crash
            db.executescript(self.schema)
            with db:  # one transaction, committed on success
                return db.execute(sql, params).fetchall()
        finally:
            db.close()

    def close(self) -> None:
        """Nothing is held open between calls."""


def open_pool(url: str, *, max_size: int, **connection_options: Any) -> Any:
    """A psycopg pool, connected now (or a clear error naming the URL and the setting).

    A request waits at most ``CONNECT_TIMEOUT_S`` for a connection while the server is down, and a
    connection a restart broke is replaced, not handed out: a replica recovers by itself.
    """
    try:
        from psycopg_pool import ConnectionPool
    except ImportError:
        raise missing_postgres_packages() from None
    pool = ConnectionPool(
        url,
        min_size=1,
        max_size=max_size,
        timeout=CONNECT_TIMEOUT_S,
        check=ConnectionPool.check_connection,
        kwargs=connection_options,
        open=False,
    )
    try:
        pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
    except Exception as error:  # noqa: BLE001 - the pool raises its own PoolTimeout; the cause is in its log
        pool.close()
        raise unreachable(url, error) from None
    return pool


class PostgresDatabase:
    """A Postgres database through a small connection pool; the schema is created on first use."""

    def __init__(self, url: str, schema: str) -> None:
        self._pool = open_pool(url, max_size=4)
        with self._pool.connection() as connection:
            connection.execute(schema)

    def run(self, sql: str, params: tuple[Any, ...] = (), *, writes: bool = False) -> list[tuple[Any, ...]]:
        with self._pool.connection() as connection:  # commits on success, rolls back on error
            cursor = connection.execute(sql.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    def close(self) -> None:
        self._pool.close()


def database_down_errors() -> tuple[type[Exception], ...]:
    """Postgres errors that mean "down or unreachable" (a restart, a network cut); none without the extra."""
    try:
        import psycopg
        import psycopg_pool
    except ImportError:
        return ()
    return (psycopg.OperationalError, psycopg_pool.PoolTimeout)


def missing_postgres_packages() -> InvalidInputError:
    return InvalidInputError(
        "RAPPORT_DATABASE_URL", "the Postgres packages are not installed", "pip install 'rapport[postgres]'"
    )


def unreachable(url: str, error: BaseException) -> StoreUnavailableError:
    """The error for a database that does not answer: its URL without the password, and the setting."""
    shown = re.sub(r"(//[^:/@]+):[^@]*@", r"\1:***@", url)
    return StoreUnavailableError(
        f"cannot reach Postgres at {shown} ({type(error).__name__}): "
        "check RAPPORT_DATABASE_URL and that the server is running"
    )
