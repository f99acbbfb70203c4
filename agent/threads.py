"""Conversation threads: a SQLite checkpointer in the data dir, with thread ids scoped by user.

The checkpoint key is derived from the user id and the thread name, so two users who both name a
thread "default" never share it, and one user cannot open another's thread by guessing its name.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver

from memory.records import check_user_id

DEFAULT_THREAD = "default"


def thread_key(user_id: str, thread_id: str) -> str:
    user_hash = hashlib.sha256(check_user_id(user_id).encode("utf-8")).hexdigest()[:32]
    return f"{user_hash}:{thread_id}"


def open_checkpointer(path: Path) -> SqliteSaver:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(str(path), check_same_thread=False)
    saver = SqliteSaver(connection)
    saver.setup()
    return saver


def thread_names(saver: SqliteSaver, user_id: str) -> list[str]:
    """The names of the user's threads (what callers pass as ``thread_id``), most recently written first."""
    prefix = thread_key(user_id, "")
    with saver.lock:
        rows = saver.conn.execute(
            "SELECT thread_id, MAX(checkpoint_id) AS newest FROM checkpoints WHERE substr(thread_id, 1, ?) = ?"
            " GROUP BY thread_id ORDER BY newest DESC",
            (len(prefix), prefix),
        ).fetchall()
    return [thread[len(prefix) :] for thread, _ in rows]


def delete_threads(saver: SqliteSaver, user_id: str) -> int:
    """Remove every checkpoint of this user's threads; returns how many threads there were."""
    prefix = thread_key(user_id, "")
    with saver.lock:
        rows = saver.conn.execute(
            "SELECT DISTINCT thread_id FROM checkpoints WHERE substr(thread_id, 1, ?) = ?", (len(prefix), prefix)
        ).fetchall()
    for (thread,) in rows:
        saver.delete_thread(thread)
    return len(rows)
