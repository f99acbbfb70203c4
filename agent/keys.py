"""API keys bound to users: a key acts as one user id and nobody else.

Why: one shared server key let whoever held it act as every user id. A user key is created by
``rapport keys create --user alice``, shown once, and stored only as its SHA-256 hash (the key is
256 random bits, so a fast hash is enough: there is nothing to guess from it). A key reads
``rk_<id>_<secret>``; the id finds its row, and the hash of the whole key is compared in constant
time. Revoking keeps the row, so ``rapport keys list`` still shows who had a key and when.

The file lives in the data dir beside the outbox; SQLite lets ``rapport keys`` change it while a
server runs, and the server reads it on every request, so a revoked key stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from memory.errors import InvalidInputError
from memory.records import check_user_id

KEYS_FILE = "keys.sqlite"
PREFIX = "rk_"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
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
    """The user keys of one data dir (``keys.sqlite``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def create(self, user_id: str) -> tuple[str, KeyInfo]:
        """A new key for ``user_id``: the key (shown once, never stored) and what is kept of it."""
        user_id = check_user_id(user_id)
        key_id = secrets.token_hex(6)
        key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        info = KeyInfo(key_id=key_id, user_id=user_id, created_at=datetime.now(UTC))
        with self._connect() as db:
            db.execute(
                "INSERT INTO api_keys (key_id, user_id, key_hash, created_at) VALUES (?, ?, ?, ?)",
                (key_id, user_id, _hash(key), info.created_at.isoformat()),
            )
        return key, info

    def all_keys(self) -> list[KeyInfo]:
        """Every key ever created here, oldest first, revoked ones included."""
        if not self.path.exists():
            return []
        with self._connect() as db:
            rows = db.execute("SELECT key_id, user_id, created_at, revoked_at FROM api_keys ORDER BY created_at")
            return [_info(row) for row in rows]

    def revoke(self, key_id: str) -> KeyInfo:
        """Stop a key from working; revoking it again changes nothing."""
        with self._connect() as db:
            db.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                (datetime.now(UTC).isoformat(), key_id),
            )
            row = db.execute(
                "SELECT key_id, user_id, created_at, revoked_at FROM api_keys WHERE key_id = ?", (key_id,)
            ).fetchone()
        if row is None:
            raise InvalidInputError("key_id", f"there is no key {key_id!r}", "see `rapport keys list` for the ids")
        return _info(row)

    def user_of(self, key: str) -> str | None:
        """The user a key acts as; None when it is not a key of this store or it was revoked."""
        if not key.startswith(PREFIX) or not self.path.exists():
            return None
        key_id = key[len(PREFIX) :].partition("_")[0]
        with self._connect() as db:
            row = db.execute(
                "SELECT user_id, key_hash FROM api_keys WHERE key_id = ? AND revoked_at IS NULL", (key_id,)
            ).fetchone()
        if row is None or not secrets.compare_digest(row[1], _hash(key)):
            return None
        return str(row[0])

    def any_active(self) -> bool:
        """Whether any key works: then every request to the server must carry one."""
        if not self.path.exists():
            return False
        with self._connect() as db:
            return db.execute("SELECT 1 FROM api_keys WHERE revoked_at IS NULL LIMIT 1").fetchone() is not None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = sqlite3.connect(self.path, timeout=10.0)
        except sqlite3.Error as error:
            raise InvalidInputError("RAPPORT_DATA_DIR", f"cannot open {self.path}: {error}") from None
        try:
            db.execute("PRAGMA synchronous = FULL")  # a key shown to someone must exist after a crash
            db.execute(_SCHEMA)
            with db:  # one transaction, committed on success
                yield db
        finally:
            db.close()


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
