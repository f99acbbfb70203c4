"""Conversation threads: a SQLite checkpointer in the data dir (or Postgres), with thread ids scoped by user.

The checkpoint key is derived from the user id and the thread name, so two users who both name a
thread "default" never share it, and one user cannot open another's thread by guessing its name.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

import ormsgpack
from langgraph.checkpoint.serde.event_hooks import SerdeEvent, register_serde_event_listener
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver

from agent.sql import missing_postgres_packages, open_pool
from memory.errors import InvalidInputError
from memory.records import check_user_id

DEFAULT_THREAD = "default"
THREADS_FILE = "threads.sqlite"
SAFE_ENCODINGS = ("msgpack", "null", "bytes", "bytearray")


def thread_key(user_id: str, thread_id: str) -> str:
    user_hash = hashlib.sha256(check_user_id(user_id).encode("utf-8")).hexdigest()[:32]
    return f"{user_hash}:{thread_id}"


def strict_serializer() -> StrictSerializer:
    """Checkpoints decoded as data only: the types the product writes, never a callable a file names.

    The state holds plain JSON-like values (and datetimes). LangGraph's default would import and call
    whatever a msgpack extension names, so a restored backup could run code; its strict mode instead
    returns such a value raw. Here it is an error, so a file that names one is refused whole.
    """
    return StrictSerializer(JsonPlusSerializer(allowed_msgpack_modules=None, pickle_fallback=False))


class StrictSerializer:
    """LangGraph's serializer in strict mode, refusing (not just skipping) what strict mode blocks."""

    def __init__(self, inner: JsonPlusSerializer) -> None:
        self.inner = inner

    def dumps_typed(self, obj: Any) -> tuple[str, bytes]:
        return self.inner.dumps_typed(obj)

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        kind, _ = data
        if kind not in SAFE_ENCODINGS:  # pickle and LangChain's JSON constructors are never read
            raise InvalidInputError("checkpoint", f"is encoded as {kind!r}, which is never read")
        _blocked.names = []
        try:
            value = self.inner.loads_typed(data)
        except (ValueError, TypeError, ormsgpack.MsgpackDecodeError) as error:
            raise InvalidInputError("checkpoint", f"is not a checkpoint ({type(error).__name__})") from None
        blocked, _blocked.names = _blocked.names, None
        if blocked:
            raise InvalidInputError("checkpoint", f"names {blocked[0]}, a type that is never read")
        return value


_blocked = threading.local()  # names strict mode blocked during this thread's current decode


def _record_blocked(event: SerdeEvent) -> None:
    names = getattr(_blocked, "names", None)
    if names is not None and event["kind"].endswith("blocked"):
        names.append(".".join(filter(None, (event["module"], event["name"], event.get("method")))))


register_serde_event_listener(_record_blocked)
# What strict mode blocks is refused above with its own message; LangGraph's warning would repeat it.
logging.getLogger("langgraph.checkpoint.serde.jsonplus").setLevel(logging.ERROR)


def open_checkpointer(data_dir: Path, database_url: str | None = None) -> Any:
    """The threads' checkpointer: LangGraph's Postgres saver when ``database_url`` is set, else SQLite in the data dir.

    With Postgres, every replica of ``rapport serve`` reads and writes the same threads, so a
    conversation can go on at whichever replica answers the next turn. Both decode checkpoints strictly.
    """
    if database_url:
        return _postgres_checkpointer(database_url)
    data_dir.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(str(data_dir / THREADS_FILE), check_same_thread=False)
    saver = SqliteSaver(connection, serde=strict_serializer())
    saver.setup()
    return saver


def _postgres_checkpointer(database_url: str) -> Any:
    try:
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
    except ImportError:
        raise missing_postgres_packages() from None
    pool = open_pool(database_url, max_size=8, autocommit=True, prepare_threshold=0, row_factory=dict_row)
    saver = PostgresSaver(pool, serde=strict_serializer())
    saver.setup()
    return saver


def thread_keys(saver: Any, prefix: str = "") -> list[str]:
    """Checkpoint keys of every thread starting with ``prefix``, most recently written first."""
    if isinstance(saver, SqliteSaver):
        with saver.lock:
            rows = saver.conn.execute(
                "SELECT thread_id, MAX(checkpoint_id) AS newest FROM checkpoints WHERE substr(thread_id, 1, ?) = ?"
                " GROUP BY thread_id ORDER BY newest DESC",
                (len(prefix), prefix),
            ).fetchall()
        return [thread for thread, _ in rows]
    with saver._cursor() as cursor:  # PostgresSaver: its own connection handling, one query
        cursor.execute(
            "SELECT thread_id, MAX(checkpoint_id) AS newest FROM checkpoints WHERE left(thread_id, %s) = %s"
            " GROUP BY thread_id ORDER BY newest DESC",
            (len(prefix), prefix),
        )
        return [row["thread_id"] for row in cursor.fetchall()]


def thread_names(saver: Any, user_id: str) -> list[str]:
    """The names of the user's threads (what callers pass as ``thread_id``), most recently written first."""
    prefix = thread_key(user_id, "")
    return [key[len(prefix) :] for key in thread_keys(saver, prefix)]


def delete_threads(saver: Any, user_id: str) -> int:
    """Remove every checkpoint of this user's threads; returns how many threads there were."""
    keys = thread_keys(saver, thread_key(user_id, ""))
    for key in keys:
        saver.delete_thread(key)
    return len(keys)
