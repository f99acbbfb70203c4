"""A user id is a security boundary: no call path returns or changes another user's records."""

from __future__ import annotations

import json
import random
import string

import pytest

from memory import MemoryStore, NotFoundError

HOSTILE_IDS = [
    "alice",
    "Alice",
    "ALICE",
    "\u0430lice",  # Cyrillic a: looks like "alice"
    "al",
    "alice2",
    "alice\u0301",  # combining accent
    "'",
    '"',
    "'; DROP TABLE users; --",
    "$ne",
    '{"$gt": ""}',
    '{"$ne": null}',
    "*",
    "%",
    "_",
    "..\u2215etc\u2215passwd",  # division slashes: looks like a path, is one segment ("../x" itself is refused)
    "user_id",
    "rapport-user-0000",
    "🙂",
]


def secret(user_id: str) -> str:
    return f"the secret password of this account is {user_id!r}"


def assert_only_own_records(store: MemoryStore, user_id: str, own_ids: set[str]) -> None:
    for mode in ("dense", "bm25", "hybrid", "recency"):
        hits = store.search(user_id, "secret password of the account", k=50, mode=mode)
        assert {h.memory.id for h in hits} <= own_ids, mode
        assert all(h.memory.user_id == user_id for h in hits), mode
    listed = store.list(user_id, include_superseded=True, limit=1000)
    assert {m.id for m in listed} == own_ids
    exported = [json.loads(line) for line in store.export(user_id).splitlines()]
    assert {r["id"] for r in exported} == own_ids and {r["user_id"] for r in exported} == {user_id}


def test_hostile_ids_never_see_each_other(store: MemoryStore) -> None:
    own = {u: {store.add(u, secret(u)).id, store.add(u, "I like tea", kind="preference").id} for u in HOSTILE_IDS}
    assert sorted(store.users()) == sorted(HOSTILE_IDS)
    for user_id, ids in own.items():
        assert_only_own_records(store, user_id, ids)
        assert store.search(user_id, "secret password", k=1, mode="bm25")[0].memory.text == secret(user_id)

    alice_id = next(iter(own["alice"]))
    for intruder in ("Alice", "\u0430lice", "al", "$ne", '{"$gt": ""}'):
        with pytest.raises(NotFoundError):
            store.get(intruder, alice_id)
        with pytest.raises(NotFoundError):
            store.update(intruder, alice_id, text="hijacked")
        with pytest.raises(NotFoundError):
            store.supersede(intruder, alice_id, "hijacked")
        with pytest.raises(NotFoundError):
            store.delete(intruder, alice_id)
    assert store.get("alice", alice_id).text in (secret("alice"), "I like tea")

    assert store.forget("$ne") == 2
    for user_id, ids in own.items():
        if user_id != "$ne":
            assert_only_own_records(store, user_id, ids)


def test_import_cannot_write_into_another_user(store: MemoryStore) -> None:
    store.add("alice", secret("alice"))
    exported = store.export("alice")
    store.import_records("mallory", exported)  # records are re-owned by the importing user
    assert store.list("mallory")[0].user_id == "mallory"
    assert store.count("alice") == 1
    store.forget("mallory")
    assert store.count("alice") == 1


def random_user_ids(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    separators = "/\\"  # refused by the id rule: an id is one URL path segment
    alphabet = "".join(c for c in string.ascii_letters + string.digits + string.punctuation if c not in separators)
    alphabet += " éßøΩжあ🙂"
    ids: set[str] = set()
    while len(ids) < count:
        if ids and rng.random() < 0.2:  # prefixes and extensions of existing ids
            base = rng.choice(sorted(ids))
            candidate = base[: rng.randint(1, len(base))] if rng.random() < 0.5 else base + rng.choice(alphabet)
        else:
            candidate = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        candidate = candidate.strip()
        if candidate.strip("."):
            ids.add(candidate[:128])
    return sorted(ids)


@pytest.mark.slow
def test_a_thousand_random_users_stay_apart(tmp_path, embedder) -> None:
    store = MemoryStore(path=tmp_path / "chroma", embedder=embedder)
    users = random_user_ids(1000)
    embedder.encode([secret(u) for u in users])  # one batched encode fills the cache for the adds below
    own = {u: store.add(u, secret(u)).id for u in users}
    assert len(set(own.values())) == len(users)
    for user_id in users:
        hits = store.search(user_id, secret(user_id), k=10, mode="hybrid")
        assert [h.memory.id for h in hits] == [own[user_id]]
        assert [m.id for m in store.list(user_id)] == [own[user_id]]
    rng = random.Random(3)
    for user_id in rng.sample(users, 100):
        other = rng.choice(users)
        if other != user_id:
            with pytest.raises(NotFoundError):
                store.get(user_id, own[other])
    reopened = MemoryStore(path=tmp_path / "chroma", embedder=embedder)
    assert sorted(reopened.users()) == users
