"""``rapport backup`` / ``restore``: a round trip that compares everything, bad files, and a live server."""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
import threading
from collections import defaultdict
from pathlib import Path

import httpx
import numpy as np
import pytest

from agent import Assistant, Settings
from agent.backup import read_backup, restore_backup, write_backup
from evals.bench.serve import statement
from evals.bench.server_process import ServerProcess
from memory import MemoryStore
from memory.errors import InvalidInputError, RapportError
from memory.extraction import statements
from tests.scripted_model import ScriptedModel
from tools.items import Item

REPO = Path(__file__).resolve().parents[1]


def open_assistant(data_dir: Path, embedder) -> Assistant:
    store = MemoryStore(path=data_dir / "chroma", embedder=embedder)
    return Assistant.open(Settings(data_dir=data_dir), chat_model=ScriptedModel(default_reply="Noted."), store=store)


def snapshot(assistant: Assistant) -> dict:
    """Everything a backup must carry, read through the public APIs (and the checkpointer)."""
    saver = assistant.checkpointer
    with saver.lock:
        keys = sorted(row[0] for row in saver.conn.execute("SELECT DISTINCT thread_id FROM checkpoints"))
    threads = {}
    for key in keys:
        saved = list(saver.list({"configurable": {"thread_id": key}}))
        threads[key] = [
            (s.checkpoint["id"], s.checkpoint["channel_values"], s.metadata, sorted(map(repr, s.pending_writes or [])))
            for s in saved
        ]
    users = assistant.store.users()
    jobs = assistant.outbox.pending()
    catalog = assistant.recommender.catalog
    index = catalog.index() if catalog.count() else None
    return {
        "users": users,
        "memories": {user: assistant.store.export(user) for user in users},
        "profiles": {user: assistant.store.profile_payloads(user) for user in users},
        "threads": threads,
        "jobs": [job.model_dump(include={"id", "kind", "user_id", "payload", "progress"}) for job in jobs],
        "catalog": ([i.model_dump() for i in index.items], index.embeddings.tolist()) if index else None,
        "files": {p.name: p.read_bytes() for p in (assistant.settings.data_dir / "recsys").glob("*")},
    }


def build_history(assistant: Assistant) -> None:
    assistant.chat("alice", "I live in Paris. My dog is called Rex.")
    assistant.chat("alice", "I moved from Paris to Berlin last month.", thread_id="moving")  # supersedes Paris
    assistant.chat("bob", "I play the cello on Sundays.")
    assistant.chat("bob", "My sister Anna lives in Lisbon.", thread_id="family")
    assistant.flush()
    assistant.profile("alice")
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((12, 384)).astype("float32")
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    items = [Item(id=f"m{i}", title=f"Film {i}", text=f"Film {i}", genres=["Drama"], year=1990 + i) for i in range(12)]
    assistant.recommender.catalog.load(items, embeddings=vectors)
    recsys = assistant.settings.data_dir / "recsys"
    recsys.mkdir(parents=True, exist_ok=True)
    (recsys / "itemknn.npz").write_bytes(b"\x00co-occurrence model bytes\xff")


def test_backup_and_restore_round_trip_everything(tmp_path: Path, embedder) -> None:
    source = open_assistant(tmp_path / "one", embedder)
    build_history(source)
    original = source.writer.write_turn

    def not_now(user_id, *args):  # carol's turn is acknowledged, not yet written when the backup runs
        if user_id == "carol":
            raise RapportError("store busy")
        return original(user_id, *args)

    source.writer.write_turn = not_now
    source.chat("carol", "I am allergic to penicillin.")
    with pytest.raises(RapportError):
        source.flush()
    before = snapshot(source)
    assert any("superseded" in text for text in before["memories"].values())
    assert before["profiles"]["alice"] and len(before["threads"]) == 5 and len(before["jobs"]) == 1
    hits_before = [(h.memory.id, round(h.score, 4)) for h in source.store.search("alice", "Where do I live?", k=3)]
    summary = write_backup(source, tmp_path / "all.backup")
    assert (summary.users, summary.threads, summary.jobs, summary.catalog_items, summary.files) == (3, 5, 1, 12, 1)
    source.close()

    target = open_assistant(tmp_path / "two", embedder)  # another machine: a fresh data dir
    target.writer.write_turn = not_now  # keep carol's turn pending so that it can be compared too
    restored = restore_backup(target, tmp_path / "all.backup")
    with pytest.raises(RapportError):
        target.flush()
    assert restored == summary
    after = snapshot(target)
    for part in before:
        assert after[part] == before[part], part
    moving = target.history("alice", thread_id="moving")
    assert [(t["role"], t["content"]) for t in moving][0] == ("user", "I moved from Paris to Berlin last month.")
    assert [t["role"] for t in moving] == ["user", "assistant"]
    hits = [(h.memory.id, round(h.score, 4)) for h in target.store.search("alice", "Where do I live?", k=3)]
    assert hits == hits_before  # the recomputed vectors rank the same
    target.close()

    reopened = open_assistant(tmp_path / "two", embedder)  # unpatched: the restored pending turn is written
    try:
        reopened.flush()
        assert [m.text for m in reopened.store.list("carol")] == ["I am allergic to penicillin."]
        reopened.chat("bob", "Where does my sister live?", thread_id="family")  # a restored thread goes on
        assert len(reopened.history("bob", thread_id="family")) == 4
    finally:
        reopened.close()


def test_restore_replaces_the_backed_up_users_and_leaves_the_others(tmp_path: Path, embedder) -> None:
    source = open_assistant(tmp_path / "one", embedder)
    source.remember("alice", "I live in Porto")
    write_backup(source, tmp_path / "alice.backup")
    source.close()
    target = open_assistant(tmp_path / "two", embedder)
    try:
        target.remember("alice", "I collect old maps")  # newer than the backup: replaced by it
        target.chat("alice", "Hello there", thread_id="later")
        target.remember("dora", "I train for a marathon")  # not in the backup: untouched
        restore_backup(target, tmp_path / "alice.backup")
        assert [m.text for m in target.store.list("alice")] == ["I live in Porto"]
        assert target.history("alice", thread_id="later") == []
        assert [m.text for m in target.store.list("dora")] == ["I train for a marathon"]
    finally:
        target.close()


def test_a_damaged_or_foreign_file_is_refused_before_anything_changes(tmp_path: Path, embedder) -> None:
    source = open_assistant(tmp_path / "one", embedder)
    source.remember("alice", "I live in Porto")
    write_backup(source, tmp_path / "good.backup")
    good = gzip.decompress((tmp_path / "good.backup").read_bytes()).decode().splitlines()
    cases = {
        "cut.backup": gzip.compress("\n".join(good[:-1]).encode()),  # the footer is missing
        "short.backup": (tmp_path / "good.backup").read_bytes()[:-20],  # the gzip stream is cut
        "plain.backup": b"not a backup at all",
        "foreign.backup": gzip.compress(b'{"type": "header", "format": "something-else"}\n'),
        "tampered.backup": gzip.compress("\n".join([*good[:-1], good[1], good[-1]]).encode()),
    }
    try:
        for name, content in cases.items():
            (tmp_path / name).write_bytes(content)
            with pytest.raises(InvalidInputError, match="FILE") as refused:
                restore_backup(source, tmp_path / name)
            assert "rapport backup" in str(refused.value) or "new backup" in str(refused.value), name
        assert [m.text for m in source.store.list("alice")] == ["I live in Porto"]
        with pytest.raises(InvalidInputError, match="does not exist"):
            read_backup(tmp_path / "missing.backup")
    finally:
        source.close()
    env = {**os.environ, "RAPPORT_DATA_DIR": str(tmp_path / "one")}
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "restore", str(tmp_path / "cut.backup")],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert result.returncode == 2 and result.stderr.startswith(f"error: {tmp_path / 'cut.backup'}: is incomplete")
    assert "Traceback" not in result.stderr


def backup_consistency(path: Path, embedder) -> tuple[int, list[str]]:
    """Turns in the backup's threads whose statement is neither in its memories nor in its pending jobs."""
    from agent.threads import strict_serializer

    serde = strict_serializer()  # what a backup holds decodes as plain data
    records = read_backup(path)
    memories = defaultdict(set)
    for record in records:
        if record["type"] == "memory":
            memories[record["user_id"]].add(record["record"]["text"])
        if record["type"] == "job" and record["job"]["kind"] == "turn":
            for candidate in statements(embedder, record["job"]["payload"]["message"]):
                memories[record["user_id"]].add(candidate.text)
    latest = {}
    for record in records:
        if record["type"] == "checkpoint":
            latest[record["key"]] = record
    turns, missing = 0, []
    for record in latest.values():
        kind, blob = record["checkpoint"]
        history = serde.loads_typed((kind, base64.b64decode(blob)))["channel_values"].get("history", [])
        for turn in history:
            if turn["role"] == "user":
                turns += 1
                missing += [
                    c.text for c in statements(embedder, turn["content"]) if c.text not in memories[record["user_id"]]
                ]
    return turns, missing


@pytest.mark.slow
def test_backup_through_a_running_server_under_load_is_consistent_and_restores(tmp_path: Path, embedder) -> None:
    data, elsewhere = tmp_path / "data", tmp_path / "elsewhere"
    env = {**os.environ, "RAPPORT_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    stop = threading.Event()
    errors: list[str] = []

    def chat_until_stopped(user_index: int) -> None:
        with httpx.Client(timeout=120) as http:
            turn = 0
            while not stop.is_set():
                text = f"{statement(user_index, turn)} Thanks!"
                body = {"user": f"user-{user_index}", "messages": [{"role": "user", "content": text}]}
                try:
                    response = http.post(f"{server.url}/v1/chat/completions", json=body)
                except httpx.HTTPError as error:
                    errors.append(f"{type(error).__name__}: {error}")
                    return
                if response.status_code != 200:
                    errors.append(response.text)
                turn += 1

    with ServerProcess(data) as server:
        talkers = [threading.Thread(target=chat_until_stopped, args=(i,)) for i in range(3)]
        for talker in talkers:
            talker.start()
        try:
            backups = []
            for attempt in range(2):  # while turns are being answered and written
                out = tmp_path / f"live-{attempt}.backup"
                result = subprocess.run(
                    [sys.executable, "-m", "agent.cli", "backup", "--out", str(out), "--json"],
                    capture_output=True,
                    text=True,
                    env=env,
                    cwd=REPO,
                )
                assert result.returncode == 0, (result.stderr, server.log()[-3000:])
                backups.append(out)
        finally:
            stop.set()
            for talker in talkers:
                talker.join()
        assert errors == [], (errors, server.log()[-3000:])
        assert server.stop() == 0, server.log()[-3000:]
    for path in backups:
        turns, missing = backup_consistency(path, embedder)
        assert turns > 0 and missing == []  # every turn's memories are in it, or its job is

    restored = subprocess.run(
        [sys.executable, "-m", "agent.cli", "restore", str(backups[-1]), "--json"],
        capture_output=True,
        text=True,
        env={**env, "RAPPORT_DATA_DIR": str(elsewhere)},
        cwd=REPO,
    )
    assert restored.returncode == 0, restored.stderr
    with open_assistant(elsewhere, embedder) as assistant:
        assistant.flush()
        for record in read_backup(backups[-1]):
            if record["type"] == "checkpoint":
                history = assistant.history(record["user_id"], thread_id=record["thread_id"])
                said = [c.text for t in history if t["role"] == "user" for c in statements(embedder, t["content"])]
                stored = {m.text for m in assistant.store.list(record["user_id"], limit=10**6)}
                assert set(said) <= stored
        assert json.loads(restored.stdout)["users"] == 3
