"""API keys bound to users: a key acts as one user id and nobody else.

Why: one shared server key let whoever held it act as every user id. A user key is created by
``rapport keys create --user alice``, shown once, and stored only as its SHA-256 hash (the key is
256 random bits, so a fast hash is enough: there is nothing to guess from it). A key reads
``rk_<id>_<secret>``; the id finds its row, and the hash of the whole key is compared in constant
time. Revoking keeps the row, so ``rapport keys list`` still shows who had a key and when.

The keys live in ``keys.sqlite`` in the data dir, or in Postgres with ``RAPPORT_DATABASE_URL`` (so a
key made on one replica works on all). ``rapport keys`` may change them while a server runs; the
server reads them on every request, so a revoked key stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from agent.sql import Database, PostgresDatabase, SqliteDatabase
from memory.errors import InvalidInputError
from memory.records import check_user_id

KEYS_FILE = "keys.sqlite"
PREFIX = "rk_"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS rapport_api_keys (
    key_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
)
"""


class KeyInfo(BaseModel):
    """What is kept of a key: never the key itself."""

    key_id: str
    user_id: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class KeyStore:
    """The user keys: in ``keys.sqlite`` in the data dir, or in Postgres shared by every replica."""

    def __init__(self, database: Database) -> None:
        self.db = database

    @classmethod
    def open(cls, data_dir: Path, database_url: str | None = None) -> KeyStore:
        """Postgres when ``database_url`` is set (a key made on one replica works on all), else the data dir."""
        if database_url:
            return cls(PostgresDatabase(database_url, _SCHEMA))
        return cls(SqliteDatabase(data_dir / KEYS_FILE, _SCHEMA))

    def create(self, user_id: str) -> tuple[str, KeyInfo]:
        """A new key for ``user_id``: the key (shown once, never stored) and what is kept of it."""
        user_id = check_user_id(user_id)
        key_id = secrets.token_hex(6)
        key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        info = KeyInfo(key_id=key_id, user_id=user_id, created_at=datetime.now(UTC))
        self.db.run(
            "INSERT INTO rapport_api_keys (key_id, user_id, key_hash, created_at) VALUES (?, ?, ?, ?)",
            (key_id, user_id, _hash(key), info.created_at.isoformat()),
            writes=True,
        )
        return key, info

    def all_keys(self) -> list[KeyInfo]:
        """Every key ever created here, oldest first, revoked ones included."""
        rows = self.db.run("SELECT key_id, user_id, created_at, revoked_at FROM rapport_api_keys ORDER BY created_at")
        return [_info(row) for row in rows]

    def revoke(self, key_id: str) -> KeyInfo:
        """Stop a key from working; revoking it again changes nothing."""
        self.db.run(
            "UPDATE rapport_api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
            (datetime.now(UTC).isoformat(), key_id),
            writes=True,
        )
        rows = self.db.run(
            "SELECT key_id, user_id, created_at, revoked_at FROM rapport_api_keys WHERE key_id = ?", (key_id,)
        )
        if not rows:
            raise InvalidInputError("key_id", f"there is no key {key_id!r}", "see `rapport keys list` for the ids")
        return _info(rows[0])

    def user_of(self, key: str) -> str | None:
        """The user a key acts as; None when it is not a key of this store or it was revoked."""
        if not key.startswith(PREFIX):
            return None
        key_id = key[len(PREFIX) :].partition("_")[0]
        rows = self.db.run(
            "SELECT user_id, key_hash FROM rapport_api_keys WHERE key_id = ? AND revoked_at IS NULL", (key_id,)
        )
        if not rows or not secrets.compare_digest(rows[0][1], _hash(key)):
            return None
        return str(rows[0][0])

    def any_active(self) -> bool:
        """Whether any key works: then every request to the server must carry one."""
        return bool(self.db.run("SELECT 1 FROM rapport_api_keys WHERE revoked_at IS NULL LIMIT 1"))

    def close(self) -> None:
        self.db.close()


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _info(row: tuple) -> KeyInfo:
    key_id, user_id, created_at, revoked_at = row
    return KeyInfo(
        key_id=key_id,
        user_id=user_id,
        created_at=datetime.fromisoformat(created_at),
        revoked_at=datetime.fromisoformat(revoked_at) if revoked_at else None,
    )
