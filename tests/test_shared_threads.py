"""Threads in Postgres: two assistants (two replicas' worth) over one real PostgreSQL and one real Chroma
server hold one conversation between them, turn by turn. The chat model is the scripted one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agent import Assistant
from agent.settings import Settings
from evals.bench.server_process import ServerProcess
from memory import MemoryStore
from memory.errors import StoreUnavailableError
from tests.page.support import SlowTokens, scripted_reply

pytestmark = [pytest.mark.postgres, pytest.mark.server]


@pytest.fixture
def replicas(tmp_path: Path, chroma_server: str, postgres_url: str) -> Iterator[tuple[Assistant, Assistant]]:
    opened = [
        Assistant.open(
            Settings(data_dir=tmp_path / name, chroma_url=chroma_server, database_url=postgres_url),
            chat_model=SlowTokens(reply_fn=scripted_reply),
        )
        for name in ("a", "b")
    ]
    yield opened[0], opened[1]
    for assistant in opened:
        assistant.close()


def test_a_conversation_alternates_replicas_turn_by_turn_and_stays_one(replicas, chroma_server: str) -> None:
    a, b = replicas
    user = f"ana-{uuid.uuid4().hex[:8]}"  # the servers live for the whole session
    said = ["I'm Ana and I work as a nurse.", "I live in Porto.", "I have a cat called Miso."]
    for replica, message in zip((a, b, a), said, strict=True):
        replica.chat(user, message, thread_id="t1")
    for replica in (a, b):
        assert [turn.message for turn in replica.turns(user, thread_id="t1")] == said
        assert [(t.id, t.turns) for t in replica.threads(user)] == [("t1", 3)]
        assert [m["content"] for m in replica.history(user, thread_id="t1") if m["role"] == "user"] == said
    a.flush()
    b.flush()
    for replica in (a, b):  # each replica's writes, one store, seen at once by the other (a counter in Postgres)
        stored = " ".join(m.text for m in replica.memories(user, k=50))
        assert "nurse" in stored and "Porto" in stored and "Miso" in stored
    b.chat(user, "Hello again", thread_id="t2")
    assert [t.id for t in a.threads(user)] == ["t2", "t1"]  # most recently used first, seen from the other
    b.forget(user)
    assert a.threads(user) == []  # threads live in Postgres only: gone for every replica at once
    assert a.memories(user) == [] and a.memories(user, query="Where do I live?") == []  # not a stale cache
    with MemoryStore(url=chroma_server) as fresh:
        assert fresh.list(user) == []


def test_threads_of_one_user_stay_apart_from_another_users(replicas) -> None:
    a, b = replicas
    alice, bob = (f"{name}-{uuid.uuid4().hex[:8]}" for name in ("alice", "bob"))
    a.chat(alice, "My PIN is 4417.", thread_id="default")
    b.chat(bob, "Hi there", thread_id="default")
    assert [t.message for t in b.turns(bob)] == ["Hi there"]
    assert [t.message for t in a.turns(alice)] == ["My PIN is 4417."]
    a.forget(alice)
    assert [t.message for t in b.turns(bob)] == ["Hi there"]


def test_two_rapport_serve_replicas_hold_one_conversation(tmp_path: Path, chroma_server: str, postgres_url: str):
    env = {"RAPPORT_CHROMA_URL": chroma_server, "RAPPORT_DATABASE_URL": postgres_url}
    user = f"kim-{uuid.uuid4().hex[:8]}"
    said = ["I'm Kim.", "I play the cello.", "I live in Seoul.", "I'm allergic to kiwi."]
    with ServerProcess(tmp_path / "one", env=env) as one, ServerProcess(tmp_path / "two", env=env) as two:
        for turn, message in enumerate(said):
            replica = (one, two)[turn % 2]
            body = {"model": "rapport", "user": user, "messages": [{"role": "user", "content": message}]}
            response = httpx.post(
                f"{replica.url}/v1/chat/completions", json=body, headers={"X-Rapport-Thread": "t"}, timeout=120
            )
            assert response.status_code == 200, response.text
        for replica in (one, two):
            thread = httpx.get(f"{replica.url}/v1/users/{user}/threads/t", timeout=60).json()
            assert [turn["message"] for turn in thread["turns"]] == said, thread
    with MemoryStore(url=chroma_server) as fresh:  # both stopped: each drained its own outbox into one store
        stored = " ".join(m.text for m in fresh.list(user))
    assert all(word in stored for word in ("Kim", "cello", "Seoul", "kiwi")), stored


def test_postgres_restarted_answers_503_while_down_and_recovers_by_itself(tmp_path: Path, chroma_server: str):
    from agent.server import create_app
    from tests.live_server import live_server
    from tests.postgres_server import running_postgres

    user = f"lena-{uuid.uuid4().hex[:8]}"
    with running_postgres() as database:
        settings = Settings(data_dir=tmp_path / "data", chroma_url=chroma_server, database_url=database.url)
        assistant = Assistant.open(settings, chat_model=SlowTokens(reply_fn=scripted_reply))
        try:
            with live_server(create_app(assistant)) as url:

                def chat(message: str) -> httpx.Response:
                    body = {"model": "rapport", "user": user, "messages": [{"role": "user", "content": message}]}
                    return httpx.post(f"{url}/v1/chat/completions", json=body, timeout=120)

                assert chat("I'm Lena.").status_code == 200
                database.stop()
                down = chat("I play chess.")
                assert down.status_code == 503, down.text
                assert down.json()["error"]["code"] == "unavailable" and "RAPPORT_DATABASE_URL" in down.text
                database.start()
                assert chat("I live in Graz.").status_code == 200  # no restart of the replica needed
                assert [t.message for t in assistant.turns(user)] == ["I'm Lena.", "I live in Graz."]
            assistant.flush()
            stored = " ".join(m.text for m in assistant.memories(user, k=20))
            assert "Lena" in stored and "Graz" in stored  # every acknowledged turn's memories
        finally:
            assistant.close()


def test_an_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    from tests.live_server import free_port

    url = f"postgresql://rapport:secret@127.0.0.1:{free_port()}/postgres?connect_timeout=1"
    settings = Settings(data_dir=tmp_path / "data", database_url=url)
    with pytest.raises(StoreUnavailableError, match="RAPPORT_DATABASE_URL") as raised:
        Assistant.open(settings, chat_model=SlowTokens(reply_fn=scripted_reply))
    assert "secret" not in str(raised.value) and "127.0.0.1" in str(raised.value)


def test_a_user_key_made_on_one_replica_works_on_every_replica(tmp_path: Path, postgres_url: str) -> None:
    from agent.keys import KeyStore

    one, two = KeyStore.open(tmp_path / "one", postgres_url), KeyStore.open(tmp_path / "two", postgres_url)
    try:
        key, info = one.create(f"zoe-{uuid.uuid4().hex[:8]}")
        assert two.user_of(key) == info.user_id
        assert info.key_id in {k.key_id for k in two.all_keys()}
        two.revoke(info.key_id)
        assert one.user_of(key) is None
        assert not (tmp_path / "one" / "keys.sqlite").exists()  # nothing of it in a data dir
    finally:
        one.close()
        two.close()
