"""The durable outbox and the memory writer on top of it: commit before the reply, replay, idempotence."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from agent import Assistant, Settings
from agent.outbox import MAX_ATTEMPTS, OUTBOX_FILE, Outbox
from agent.writer import MemoryWriter
from memory import MemoryStore
from memory.errors import RapportError
from memory.profile import ProfileBuilder
from tests.scripted_model import ScriptedModel


def open_assistant(data_dir: Path, embedder) -> Assistant:
    store = MemoryStore(path=data_dir / "chroma", embedder=embedder)
    return Assistant.open(Settings(data_dir=data_dir), chat_model=ScriptedModel(default_reply="Noted."), store=store)


def outbox_rows(data_dir: Path) -> list[tuple[str, str, str, dict]]:
    """The outbox as another process would read it from disk: (kind, user, state, payload)."""
    with sqlite3.connect(data_dir / OUTBOX_FILE) as db:
        rows = db.execute("SELECT kind, user_id, state, payload FROM jobs ORDER BY seq").fetchall()
    return [(kind, user, state, json.loads(payload)) for kind, user, state, payload in rows]


def texts(assistant: Assistant, user_id: str) -> Counter[str]:
    return Counter(m.text for m in assistant.store.list(user_id, include_superseded=True, limit=10**6))


def test_jobs_are_durable_ordered_and_counted(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite")
    first = outbox.add("turn", "alice", {"message": "one"})
    second = outbox.add("import", "bob", {"records": []})
    reader = Outbox(tmp_path / "outbox.sqlite")  # a second connection sees the commit at once
    assert [job.id for job in reader.pending()] == [first.id, second.id]
    assert [job.id for job in reader.pending("import")] == [second.id]
    outbox.save_progress(first, applied=1)
    assert reader.get(first.id).progress == {"applied": 1}
    outbox.done(first)
    assert reader.counts() == {"pending": 1, "done": 1, "failed": 0}
    for _ in range(MAX_ATTEMPTS):
        outbox.failed(second, RuntimeError("disk full"))
    assert reader.get(second.id).state == "failed" and "disk full" in reader.get(second.id).error
    assert reader.pending() == []
    assert outbox.discard_user("alice") == 1 and reader.get(first.id) is None
    reader.close()
    outbox.close()


def test_chat_returns_only_after_the_turn_is_committed(tmp_path: Path, embedder) -> None:
    data = tmp_path / "data"
    assistant = open_assistant(data, embedder)
    try:
        with assistant.writer.paused():  # nothing gets written: what is on disk is the outbox alone
            reply = assistant.chat("alice", "I live in Oslo.")
            assert outbox_rows(data) == [
                (
                    "turn",
                    "alice",
                    "pending",
                    {
                        "message": "I live in Oslo.",
                        "reply": reply.text,
                        "source": "default:1",
                        "told": [{"text": "I live in Oslo.", "kind": "fact"}],  # the turn's Reading: never re-read
                    },
                )
            ]
            assert assistant.store.count("alice") == 0
        assistant.flush()
        assert [row[2] for row in outbox_rows(data)] == ["done"]
        assert texts(assistant, "alice") == {"I live in Oslo.": 1}
    finally:
        assistant.close()


def test_a_pending_turn_is_written_when_the_data_dir_is_opened(tmp_path: Path, embedder) -> None:
    data = tmp_path / "data"
    outbox = Outbox(data / OUTBOX_FILE)  # what a process killed after acknowledging a turn leaves behind
    outbox.add("turn", "alice", {"message": "My dog is called Rex.", "reply": "Nice!", "source": "default:1"})
    outbox.close()
    assistant = open_assistant(data, embedder)
    try:
        assistant.flush()
        assert texts(assistant, "alice") == {"My dog is called Rex.": 1}
        assert [row[2] for row in outbox_rows(data)] == ["done"]
    finally:
        assistant.close()


def test_a_turn_replayed_twice_adds_its_memories_once(tmp_path: Path, embedder) -> None:
    data = tmp_path / "data"
    said = "I live in Oslo. My dog is called Rex. I play the cello on Sundays."
    assistant = open_assistant(data, embedder)
    assistant.chat("alice", said)
    assistant.flush()
    written = texts(assistant, "alice")
    assert sorted(written.values()) == [1, 1, 1]
    third = next(m for m in assistant.store.list("alice") if "cello" in m.text)
    assistant.store.delete("alice", third.id)  # as if the process died while writing the second statement:
    assistant.close()  # the second is stored, its step not yet marked, the third not written
    with sqlite3.connect(data / OUTBOX_FILE) as db:
        (progress,) = db.execute("SELECT progress FROM jobs").fetchone()
        crashed = {**json.loads(progress), "applied": 1}
        db.execute("UPDATE jobs SET state = 'pending', progress = ?", (json.dumps(crashed),))
    for _ in range(2):  # replayed on open, and once more after a second crash at the same point
        reopened = open_assistant(data, embedder)
        reopened.flush()
        assert texts(reopened, "alice") == written
        reopened.close()
        with sqlite3.connect(data / OUTBOX_FILE) as db:
            db.execute("UPDATE jobs SET state = 'pending', progress = ?", (json.dumps(crashed),))


def test_a_failed_turn_stays_pending_and_is_written_on_the_next_start(tmp_path: Path, embedder) -> None:
    data = tmp_path / "data"
    assistant = open_assistant(data, embedder)

    def broken(*args):
        raise RapportError("the store went away")

    assistant.writer.write_turn = broken
    assistant.chat("alice", "I am allergic to peanuts.")
    with pytest.raises(RapportError, match="the store went away"):
        assistant.flush()
    assistant.close()
    assert [(row[2]) for row in outbox_rows(data)] == ["pending"]
    reopened = open_assistant(data, embedder)
    try:
        reopened.flush()
        assert texts(reopened, "alice") == {"I am allergic to peanuts.": 1}
    finally:
        reopened.close()


def test_forget_drops_the_users_unfinished_turns_and_nobody_elses(tmp_path: Path, embedder) -> None:
    data = tmp_path / "data"
    assistant = open_assistant(data, embedder)
    original = assistant.writer.write_turn

    def failing_for_alice(user_id, *args):
        if user_id == "alice":
            raise RapportError("alice's write failed")
        return original(user_id, *args)

    assistant.writer.write_turn = failing_for_alice
    assistant.chat("alice", "My password hint is my cat's name.")
    assistant.chat("bob", "I collect stamps from Peru.")
    with pytest.raises(RapportError):
        assistant.flush()
    assistant.forget("alice")
    assert [(kind, user, state) for kind, user, state, _ in outbox_rows(data)] == [("turn", "bob", "done")]
    assistant.close()
    reopened = open_assistant(data, embedder)  # nothing of alice comes back from a replay
    try:
        reopened.flush()
        assert reopened.store.count("alice") == 0
        assert texts(reopened, "bob") == {"I collect stamps from Peru.": 1}
    finally:
        reopened.close()


def test_the_writer_keeps_its_interface_without_a_durable_outbox(store: MemoryStore) -> None:
    model = ScriptedModel(default_reply="A person.")
    writer = MemoryWriter(store, model, ProfileBuilder(store, model))
    future = writer.submit("carol", "I grow chillies on my windowsill.", "Nice.", "default:1")
    writer.wait_for("carol", timeout=30)
    assert future.done() and [o.action for o in future.result()] == ["add"]
    writer.flush()
    writer.close()
    assert [m.text for m in store.list("carol")] == ["I grow chillies on my windowsill."]
