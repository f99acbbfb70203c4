"""The durable outbox: work that was acknowledged but not yet written, in SQLite in the data dir.

Why: a reply is acknowledged before its memories are extracted and stored (that happens off the
user's wait, in ``agent.writer``). If the process dies in between, the turn must not be lost: it
is committed here first (``add`` returns after the commit, with ``synchronous=FULL``), its progress
is committed step by step, and it is marked done only when everything is written. On start, what
is still pending is replayed. Large imports and restores use the same queue, so an interrupted one
is finished on the next start instead of being left half-written.

Done jobs are kept for a day (to look at), then pruned; ``discard_user`` removes every job of a
user who asked to be forgotten, so a replay can never bring their data back.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from memory.errors import StoreUnavailableError

OUTBOX_FILE = "outbox.sqlite"
MAX_ATTEMPTS = 5  # a job failing this many starts in a row is set aside as "failed", not retried forever
KEEP_DONE_S = 24 * 3600
PRUNE_EVERY = 500  # finished jobs between two prunes

JobKind = Literal["turn", "import", "restore"]
JobState = Literal["pending", "done", "failed"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    user_id TEXT,
    payload TEXT NOT NULL,
    progress TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, seq);
CREATE INDEX IF NOT EXISTS jobs_user ON jobs (user_id);
"""


class Job(BaseModel):
    """One unit of acknowledged work; ``progress`` records the steps already written."""

    id: str
    kind: JobKind
    user_id: str | None
    payload: dict[str, Any]
    progress: dict[str, Any] = Field(default_factory=dict)
    state: JobState = "pending"
    attempts: int = 0
    error: str | None = None
    created_at: float


class Outbox:
    """A durable FIFO of jobs; ``path=None`` keeps it in memory (same behaviour, no durability)."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path is not None else None
        try:
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path or ":memory:"), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a committed job survives a crash of the machine too
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.executescript(SCHEMA)
        except sqlite3.Error as error:
            raise StoreUnavailableError(f"cannot open the outbox {self.path}: {error}") from error
        self._lock = threading.Lock()
        self._finished = 0
        self._prune()

    def add(self, kind: JobKind, user_id: str | None, payload: dict[str, Any]) -> Job:
        """Commit a new pending job; when this returns, the job survives a crash."""
        now = time.time()
        job = Job(id=uuid.uuid4().hex, kind=kind, user_id=user_id, payload=payload, created_at=now)
        with self._lock:
            self._db.execute(
                "INSERT INTO jobs (id, seq, kind, user_id, payload, created_at, updated_at)"
                " VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs), ?, ?, ?, ?, ?)",
                (job.id, kind, user_id, json.dumps(payload, ensure_ascii=False), now, now),
            )
        return job

    def put(self, job: Job) -> None:
        """Store a job as given (a restore brings back another outbox's pending jobs, ids kept)."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO jobs (id, seq, kind, user_id, payload, progress, state, attempts, error,"
                " created_at, updated_at) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs), ?, ?, ?, ?, ?, ?,"
                " ?, ?, ?)",
                (
                    job.id,
                    job.kind,
                    job.user_id,
                    json.dumps(job.payload, ensure_ascii=False),
                    json.dumps(job.progress, ensure_ascii=False),
                    job.state,
                    job.attempts,
                    job.error,
                    job.created_at,
                    time.time(),
                ),
            )

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def save_progress(self, job: Job, **changes: Any) -> None:
        """Record steps as written (merged into ``job.progress``), committed before the next step starts."""
        job.progress.update(changes)
        self._update(job.id, progress=json.dumps(job.progress, ensure_ascii=False))

    def done(self, job: Job) -> None:
        job.state = "done"
        self._update(job.id, state="done", error=None)
        self._finished += 1
        if self._finished % PRUNE_EVERY == 0:  # a server that runs for weeks keeps the file small too
            self._prune()

    def failed(self, job: Job, error: BaseException) -> None:
        """Count a failed attempt; the job stays pending (replayed on the next start) until ``MAX_ATTEMPTS``."""
        job.attempts += 1
        job.error = f"{type(error).__name__}: {error}"
        job.state = "failed" if job.attempts >= MAX_ATTEMPTS else "pending"
        self._update(job.id, attempts=job.attempts, error=job.error, state=job.state)

    def pending(self, kind: JobKind | None = None) -> list[Job]:
        """Unfinished jobs, oldest first."""
        query = "SELECT * FROM jobs WHERE state = 'pending'" + (" AND kind = ?" if kind else "") + " ORDER BY seq"
        with self._lock:
            rows = self._db.execute(query, (kind,) if kind else ()).fetchall()
        return [_job(row) for row in rows]

    def counts(self) -> dict[str, int]:
        """Jobs per state (pending, done, failed)."""
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
        return {"pending": 0, "done": 0, "failed": 0, **{state: count for state, count in rows}}

    def discard_user(self, user_id: str) -> int:
        """Drop every job of this user (the user asked to be forgotten); returns how many."""
        with self._lock:
            return self._db.execute("DELETE FROM jobs WHERE user_id = ?", (user_id,)).rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _update(self, job_id: str, **columns: Any) -> None:
        assignments = ", ".join(f"{name} = ?" for name in columns)
        with self._lock:
            self._db.execute(
                f"UPDATE jobs SET {assignments}, updated_at = ? WHERE id = ?",  # noqa: S608 - names are ours
                (*columns.values(), time.time(), job_id),
            )

    def _prune(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM jobs WHERE state = 'done' AND updated_at < ?", (time.time() - KEEP_DONE_S,))


def _job(row: tuple[Any, ...]) -> Job:
    job_id, _seq, kind, user_id, payload, progress, state, attempts, error, created_at, _updated = row
    return Job(
        id=job_id,
        kind=kind,
        user_id=user_id,
        payload=json.loads(payload),
        progress=json.loads(progress),
        state=state,
        attempts=attempts,
        error=error,
        created_at=created_at,
    )
