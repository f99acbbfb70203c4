"""The shared change counter of ``memory.store.ChangeLog``, in Postgres: one row per user.

Why: every replica caches a user's memory records. Without a shared counter a replica saw another's
writes, and a forgotten user, only after ``REMOTE_CACHE_TTL_S``; with it, one indexed read per
store call tells whether anything changed since the cache was loaded.
"""

from __future__ import annotations

import hashlib
import logging

from agent.sql import Database, PostgresDatabase, database_down_errors

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rapport_memory_versions (
    user_key TEXT PRIMARY KEY,
    version BIGINT NOT NULL
)
"""


class MemoryVersions:
    """``ChangeLog`` over a database table; user ids are stored hashed, like Chroma collection names."""

    def __init__(self, database: Database) -> None:
        self.db = database
        self._down = database_down_errors()

    @classmethod
    def open(cls, database_url: str) -> MemoryVersions:
        return cls(PostgresDatabase(database_url, _SCHEMA))

    def version(self, user_id: str) -> int | None:
        """The user's counter (0 before any write); None when the database does not answer."""
        try:
            rows = self.db.run("SELECT version FROM rapport_memory_versions WHERE user_key = ?", (_key(user_id),))
        except self._down as error:
            log.warning("memory versions unavailable (%s): caches are re-read", type(error).__name__)
            return None
        return int(rows[0][0]) if rows else 0

    def bump(self, user_id: str) -> int | None:
        """Count one change of the user's memories; None when the database does not answer."""
        try:
            rows = self.db.run(
                "INSERT INTO rapport_memory_versions (user_key, version) VALUES (?, 1) ON CONFLICT (user_key)"
                " DO UPDATE SET version = rapport_memory_versions.version + 1 RETURNING version",
                (_key(user_id),),
                writes=True,
            )
        except self._down as error:
            log.warning(
                "memory versions unavailable (%s): other replicas see this within the cache TTL", type(error).__name__
            )
            return None
        return int(rows[0][0])

    def close(self) -> None:
        self.db.close()


def _key(user_id: str) -> str:
    return hashlib.sha256(user_id.encode("utf-8")).hexdigest()
