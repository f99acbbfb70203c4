"""One user's writes reconcile one at a time: identical texts are stored once, replacements never error.

Real stores, real embeddings, real threads (and a real server for the HTTP case); the chat model is
the scripted one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from pydantic import BaseModel

from agent import Assistant, Settings
from agent.llm.base import Message
from agent.server import create_app
from memory import Memory, MemoryStatus, MemoryStore
from memory.extraction import Candidate, Decision, Outcome, reconcile
from tests.live_server import live_server
from tests.scripted_model import ScriptedModel

THREADS = 12
CITIES = [
    "Berlin", "Madrid", "Rome", "Lisbon", "Vienna", "Prague", "Oslo", "Dublin", "Athens", "Warsaw", "Bern", "Riga"
]
T = TypeVar("T")
ModelT = TypeVar("ModelT", bound=BaseModel)


def all_at_once(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run the calls on their own threads, released together, as concurrent requests would arrive."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def homes(memories: list[Memory]) -> list[Memory]:
    return [m for m in memories if m.text.startswith("I live in")]


def assert_one_chain(store: MemoryStore, user_id: str) -> None:
    """One current home; every replaced one points at a stored memory, and nothing is replaced twice."""
    every = {m.id: m for m in store.list(user_id, include_superseded=True, limit=10**6)}
    assert len(homes([m for m in every.values() if m.status is MemoryStatus.ACTIVE])) == 1
    for memory in every.values():
        if memory.status is MemoryStatus.SUPERSEDED:
            assert memory.superseded_by in every
    replaced = [m.metadata["supersedes"] for m in every.values() if "supersedes" in m.metadata]
    assert len(replaced) == len(set(replaced))


def test_concurrent_identical_statements_are_stored_once(store: MemoryStore) -> None:
    candidate = Candidate(text="I keep bees in my back garden", kind="fact")
    outcomes = all_at_once([lambda: reconcile(store, "alice", candidate, source="api")] * THREADS)
    assert sorted(o.action for o in outcomes) == ["add"] + ["ignore"] * (THREADS - 1)
    assert len({o.memory.id for o in outcomes}) == 1  # every caller is told about the same memory
    assert [m.text for m in store.list("alice", include_superseded=True)] == [candidate.text]


def test_concurrent_replacements_never_error_and_leave_one_current(store: MemoryStore) -> None:
    store.add("alice", "I live in Paris")
    calls = [lambda city=city: reconcile(store, "alice", Candidate(text=f"I live in {city}")) for city in CITIES]
    outcomes = all_at_once(calls)
    assert sorted(o.action for o in outcomes) == ["supersede"] * len(CITIES)
    assert_one_chain(store, "alice")


def test_other_users_do_not_wait_for_a_user_s_write_lock(store: MemoryStore) -> None:
    with store.writing("alice"):  # alice is busy; bob's write goes through on this very thread
        outcome = reconcile(store, "bob", Candidate(text="I play the cello"))
    assert outcome.action == "add" and [m.text for m in store.list("bob")] == ["I play the cello"]


class Meddler(ScriptedModel):
    """Decides to replace the first memory shown, after another write replaced it (a restore, an import)."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(supports_tools=True)
        self.store = store

    def complete_json(self, messages: Sequence[Message], schema: type[ModelT], *, max_tokens: int = 256) -> ModelT:
        self.calls.append(("complete_json", (list(messages), schema)))
        assert schema is Decision
        if len(self.calls) == 1:  # a write that does not reconcile lands between decision and write
            paris = homes(self.store.list("alice"))[0]
            self.store.supersede("alice", paris.id, "I live in Rome")
        return schema.model_validate({"action": "supersede", "target": 1})


def test_a_target_replaced_meanwhile_is_decided_again_not_an_error(store: MemoryStore) -> None:
    store.add("alice", "I live in Paris")
    model = Meddler(store)
    outcome: Outcome = reconcile(store, "alice", Candidate(text="I live in Berlin"), model=model)
    assert len(model.calls) == 2  # decided twice
    assert outcome.action == "supersede" and outcome.replaced.text == "I live in Rome"
    assert [m.text for m in homes(store.list("alice"))] == ["I live in Berlin"]
    assert_one_chain(store, "alice")


# -- the same through the Python API and the HTTP API ----------------------------------------------------


@pytest.fixture
def assistant(tmp_path: Path, embedder) -> Iterator[Assistant]:
    data = tmp_path / "data"
    store = MemoryStore(path=data / "chroma", embedder=embedder)
    opened = Assistant.open(Settings(data_dir=data), chat_model=ScriptedModel(default_reply="Noted."), store=store)
    yield opened
    opened.close()


def test_remember_concurrently_stores_once(assistant: Assistant) -> None:
    memories = all_at_once([lambda: assistant.remember("carol", "I am training for a marathon")] * THREADS)
    assert len({m.id for m in memories}) == 1
    assert [m.text for m in assistant.memories("carol", status="all")] == ["I am training for a marathon"]


def test_concurrent_identical_and_replacing_posts(assistant: Assistant) -> None:
    with live_server(create_app(assistant)) as url, httpx.Client(base_url=url, timeout=120) as http:
        post = "/v1/users/dave/memories"
        same = all_at_once([lambda: http.post(post, json={"text": "My daughter is called Mia"})] * THREADS)
        assert [r.status_code for r in same] == [201] * THREADS, [r.text for r in same]
        assert len({r.json()["id"] for r in same}) == 1
        moves = all_at_once([lambda city=city: http.post(post, json={"text": f"I live in {city}"}) for city in CITIES])
        assert [r.status_code for r in moves] == [201] * len(CITIES), [r.text for r in moves]
    assert [m.text for m in assistant.memories("dave", k=100) if not m.text.startswith("I live")] == [
        "My daughter is called Mia"
    ]
    assert_one_chain(assistant.store, "dave")
