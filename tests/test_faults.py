"""Acknowledged writes survive SIGKILL: real child processes, killed at chosen moments, then reopened.

- right after ``Assistant.chat()`` returns, 20 times in a row: every turn's memories are there once;
- in the middle of a streamed reply over HTTP: the thread holds only finished turns, nobody else changed;
- during a catalog load and during a memory import: all of it, or none of it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import httpx
import pytest

from agent import Assistant, Settings
from agent.outbox import OUTBOX_FILE, Outbox
from evals.bench.serve import statement
from evals.bench.server_process import ServerProcess
from memory import Memory, MemoryStore
from tests.scripted_model import ScriptedModel

REPO = Path(__file__).resolve().parents[1]


def child(script: str, *args: object, check_killed: bool = True) -> subprocess.CompletedProcess:
    """Run ``script`` in a fresh Python process from the repository root; it is expected to SIGKILL itself."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=300,
    )
    if check_killed:
        assert result.returncode == -signal.SIGKILL, result.stderr[-3000:]
    return result


def open_assistant(data_dir: Path, embedder) -> Assistant:
    store = MemoryStore(path=data_dir / "chroma", embedder=embedder)
    return Assistant.open(Settings(data_dir=data_dir), chat_model=ScriptedModel(default_reply="Noted."), store=store)


# Each round is a child forked from one warm parent that has imported everything and loaded the
# embedding model but run nothing (no threads, no Chroma client yet): starting 20 fresh interpreters
# would spend minutes importing sentence-transformers. Each child is still its own process: it takes
# the data dir's lock, replays what the last one left, chats once and is SIGKILLed right after.
CHAT_THEN_DIE = """
    import json, os, signal, sys, time
    from agent import Assistant, Settings
    from agent.outbox import OUTBOX_FILE, Outbox
    from memory.embedder import get_embedder
    from memory.store import MemoryStore
    from tests.scripted_model import ScriptedModel

    data, rounds = sys.argv[1], json.loads(sys.argv[2])
    embedder = get_embedder()
    embedder._load()
    for user, message, delay in rounds:
        child = os.fork()
        if child == 0:
            outbox = Outbox(os.path.join(data, OUTBOX_FILE))
            pending = outbox.counts()["pending"]  # what the last kill left unwritten
            outbox.close()
            store = MemoryStore(path=os.path.join(data, "chroma"), embedder=embedder)
            model = ScriptedModel(default_reply="Noted, thanks.")
            assistant = Assistant.open(Settings(data_dir=data), chat_model=model, store=store)
            assistant.chat(user, message, thread_id="t")
            print(json.dumps({"returned": True, "pending_at_start": pending}), flush=True)
            time.sleep(delay)
            os.kill(os.getpid(), signal.SIGKILL)
        _, status = os.waitpid(child, 0)
        print(json.dumps({"killed": os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL}), flush=True)
"""


@pytest.mark.slow
def test_sigkill_right_after_chat_returns_twenty_times(tmp_path: Path, embedder) -> None:
    data = tmp_path / "data"
    users = ["ada", "ben", "cho"]
    delays = [0.0, 0.0, 0.002, 0.01, 0.03, 0.1, 0.0, 0.005, 0.05, 0.0]
    rounds = [
        (users[i % 3], f"{statement(i, i // 3)} Please keep that in mind.", delays[i % len(delays)]) for i in range(20)
    ]
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CHAT_THEN_DIE), str(data), json.dumps(rounds)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    events = [json.loads(line) for line in result.stdout.splitlines()]
    returned = [e for e in events if "returned" in e]
    assert len(returned) == 20 and [e["killed"] for e in events if "killed" in e] == [True] * 20
    outbox = Outbox(data / OUTBOX_FILE)
    left_pending = sum(e["pending_at_start"] for e in returned) + outbox.counts()["pending"]
    outbox.close()
    assert left_pending > 0, "no kill landed before a turn was written: the test did not test anything"

    assistant = open_assistant(data, embedder)  # replays what the last kill left
    try:
        assistant.flush()
        for user in users:
            messages = [message for owner, message, _ in rounds if owner == user]
            stored = Counter(m.text for m in assistant.store.list(user, include_superseded=True, limit=1000))
            expected = Counter(message.split(" Please")[0] for message in messages)
            assert stored == expected, (user, stored, expected)  # every one, once, in its own user only
            history = assistant.history(user, thread_id="t")
            assert [turn["content"] for turn in history if turn["role"] == "user"] == messages
        assert assistant.outbox.counts()["pending"] == 0
        print(f"kills that left a turn unwritten for the next start: {left_pending} of 20")
    finally:
        assistant.close()


def read_sse_tokens(response: httpx.Response, wanted: int) -> list[str]:
    tokens = []
    for line in response.iter_lines():
        if line.startswith("data: {"):
            content = json.loads(line[6:])["choices"][0]["delta"].get("content")
            if content:
                tokens.append(content)
                if len(tokens) >= wanted:
                    return tokens
    raise AssertionError(f"the stream ended after {len(tokens)} tokens")


@pytest.mark.slow
def test_sigkill_in_the_middle_of_a_streamed_reply(tmp_path: Path, embedder) -> None:
    data = tmp_path / "data"
    finished = "My sister Anna lives in Lisbon."
    partial = "My brother Tom is a firefighter in Ohio."
    server = ServerProcess(data, token_delay_s=0.15, tools=True)  # replies stream from the (paced) model itself
    with server, httpx.Client(base_url=server.url, timeout=120) as http:
        for user, thread, text in (("alice", "t", finished), ("bob", None, "I keep bees on my balcony.")):
            headers = {"X-Rapport-Thread": thread} if thread else {}
            body = {"user": user, "messages": [{"role": "user", "content": text}]}
            assert http.post("/v1/chat/completions", json=body, headers=headers).status_code == 200
        while http.get("/v1/outbox").json()["pending"]:
            pass
        before = {user: http.get(f"/v1/users/{user}/memories/export").text for user in ("alice", "bob")}
        assert finished in before["alice"] and "bees" in before["bob"]
        body = {"user": "alice", "stream": True, "messages": [{"role": "user", "content": partial}]}
        with http.stream("POST", "/v1/chat/completions", json=body, headers={"X-Rapport-Thread": "t"}) as response:
            assert len(read_sse_tokens(response, 3)) == 3
            server.kill()  # mid-reply: the client has three words of it

    assistant = open_assistant(data, embedder)  # the store opens; nothing is replayed for the partial turn
    try:
        assistant.flush()
        history = assistant.history("alice", thread_id="t")
        assert [turn["role"] for turn in history] == ["user", "assistant"]  # the partial turn is absent
        assert history[0]["content"] == finished
        assert {user: assistant.store.export(user) for user in ("alice", "bob")} == before  # nobody else touched
        assert all(partial not in str(job.payload) for job in assistant.outbox.pending())
        assistant.chat("alice", "Where does my sister live?", thread_id="t")  # the thread goes on from there
        after = assistant.history("alice", thread_id="t")
        assert after[:2] == history and [t["role"] for t in after] == ["user", "assistant"] * 2
    finally:
        assistant.close()


LOAD_CATALOG = """
    import os, signal, sys
    import numpy as np
    import tools.catalog as catalog_module
    from chromadb.api.models.Collection import Collection
    from tools.catalog import CATALOG_COLLECTION, Catalog
    from tools.items import Item

    path, tag, count, die = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    catalog_module.WRITE_BATCH = 25  # several batches, so a kill can land between them

    def kill():
        os.kill(os.getpid(), signal.SIGKILL)

    if die == "after-two-batches":
        add, calls = Collection.add, []
        def add_then_die(self, *args, **kwargs):
            add(self, *args, **kwargs)
            calls.append(1)
            if len(calls) == 2:
                kill()
        Collection.add = add_then_die
    if die == "after-old-dropped":
        delete = Catalog._delete
        def delete_then_die(self, name):
            delete(self, name)
            if name == CATALOG_COLLECTION:
                kill()
        Catalog._delete = delete_then_die

    rng = np.random.default_rng(count)
    vectors = rng.standard_normal((count, 384)).astype("float32")
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    items = [Item(id=f"{tag}-{i}", title=f"{tag} film {i}", text=f"{tag} film {i}") for i in range(count)]
    Catalog(path=path).load(items, embeddings=vectors)
    print("loaded", flush=True)
    kill()
"""


def catalog_ids(path: Path) -> Counter[str]:
    """Items per load tag, read by a fresh process (as the next command would)."""
    script = (
        "import sys, json, collections; from tools.catalog import Catalog; "
        "print(json.dumps(collections.Counter(i.id.split('-')[0] for i in Catalog(path=sys.argv[1]).index().items)))"
    )
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]
    return Counter(json.loads(result.stdout))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("die", "expected"),
    [("after-two-batches", {"old": 60}), ("after-old-dropped", {"new": 110}), ("after-load", {"new": 110})],
)
def test_sigkill_during_a_catalog_load_leaves_all_of_one_catalog(tmp_path: Path, die: str, expected) -> None:
    path = tmp_path / "data" / "chroma"
    child(LOAD_CATALOG, path, "old", 60, "after-load")
    assert catalog_ids(path) == {"old": 60}
    child(LOAD_CATALOG, path, "new", 110, die)
    assert catalog_ids(path) == expected  # the old catalog whole, or the new one whole; never a mix
    result = child(LOAD_CATALOG, path, "next", 30, "after-load")  # and the next load works from there
    assert "loaded" in result.stdout
    assert catalog_ids(path) == {"next": 30}


IMPORT_MEMORIES = """
    import os, signal, sys
    from agent.access import open_store
    from agent.outbox import Outbox
    from agent.settings import Settings
    from memory.store import MemoryStore

    data, records, die = sys.argv[1], open(sys.argv[2]).read(), sys.argv[3]

    def kill():
        os.kill(os.getpid(), signal.SIGKILL)

    if die == "before-journal":
        Outbox.add = lambda self, *args: kill()
    write, calls = MemoryStore._write, []
    def write_then_die(self, *args, **kwargs):
        write(self, *args, **kwargs)
        calls.append(1)
        if die == f"after-batch-{len(calls)}":
            kill()
    MemoryStore._write = write_then_die

    store = open_store(Settings(data_dir=data))
    store.store.max_batch = 40  # several Chroma batches, so a kill can land between them
    print("imported", store.import_records("ivy", records), flush=True)
    kill()
"""


def records_file(folder: Path, count: int) -> Path:
    lines = []
    for i in range(count):
        memory = Memory(
            id=f"rec{i:04d}",
            user_id="someone-else",  # an import takes the target user, whatever the file says
            text=f"Imported note {i}: {statement(i, i % 12)}",
            created_at=f"2024-01-{1 + i % 28:02d}T10:00:00Z",
            updated_at=f"2024-01-{1 + i % 28:02d}T10:00:00Z",
        )
        lines.append(memory.model_dump_json())
    path = folder / "ivy.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def stored_count(data: Path, embedder) -> int:
    store = MemoryStore(path=data / "chroma", embedder=embedder)
    try:
        return store.count("ivy")
    finally:
        store.close()


def cli_list(data: Path) -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "memory", "list", "--user", "ivy", "--all", "--limit", "1000", "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "RAPPORT_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("die", "raw", "final"),
    [("before-journal", 0, 0), ("after-batch-2", 80, 150), ("after-import", 150, 150)],
)
def test_sigkill_during_a_memory_import_is_all_or_nothing(tmp_path: Path, embedder, die, raw, final) -> None:
    data = tmp_path / "data"
    child(IMPORT_MEMORIES, data, records_file(tmp_path, 150), die)
    assert stored_count(data, embedder) == raw  # what the kill left in Chroma, before anyone reopened it
    listed = cli_list(data)  # the next command on this data dir finishes the journaled import first
    assert len(listed) == final and len({m["id"] for m in listed}) == final
    assert all(m["user_id"] == "ivy" for m in listed)
    assert cli_list(data) == listed  # and finishing it is done once

