"""Behaviour of the memory store, run against embedded Chroma and a real Chroma server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from memory import Hit, Memory, MemoryKind, MemoryStatus, MemoryStore, NotFoundError

FACTS = [
    "I work as a nurse at the Charité hospital in Berlin",
    "My sister Anna lives in Lisbon with her two cats",
    "I am allergic to peanuts",
    "My favourite film is Spirited Away",
    "I play the cello in a community orchestra on Tuesdays",
    "I'm training for the Berlin marathon in September",
]


def texts(hits: list[Hit]) -> list[str]:
    return [hit.memory.text for hit in hits]


def test_add_returns_a_complete_record(store: MemoryStore) -> None:
    when = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    memory = store.add("alice", "I love hiking", kind="preference", metadata={"mood": "happy", "n": 3}, created_at=when)
    assert isinstance(memory, Memory)
    assert (memory.user_id, memory.text, memory.kind, memory.status) == (
        "alice",
        "I love hiking",
        MemoryKind.PREFERENCE,
        MemoryStatus.ACTIVE,
    )
    assert memory.created_at == when and memory.updated_at == when
    assert store.get("alice", memory.id) == memory


def test_add_many_writes_all_items_in_order(store: MemoryStore) -> None:
    added = store.add_many("alice", FACTS[:3] + [{"text": FACTS[3], "kind": "preference"}])
    assert [m.text for m in added] == FACTS[:4]
    assert added[3].kind is MemoryKind.PREFERENCE
    assert store.count("alice") == 4
    assert len({m.id for m in added}) == 4


@pytest.mark.parametrize(
    ("mode", "query", "expected"),
    [
        ("dense", "Which instrument do I play?", FACTS[4]),
        ("bm25", "cello orchestra", FACTS[4]),
        ("hybrid", "Where do I work as a nurse?", FACTS[0]),
        ("hybrid", "peanuts", FACTS[2]),
        ("dense", "Where does my sibling live?", FACTS[1]),
    ],
)
def test_search_finds_the_answering_memory_first(store: MemoryStore, mode: str, query: str, expected: str) -> None:
    store.add_many("alice", FACTS)
    hits = store.search("alice", query, k=3, mode=mode)
    assert hits and hits[0].memory.text == expected
    assert all(hits[i].score >= hits[i + 1].score for i in range(len(hits) - 1))


def test_bm25_returns_only_keyword_matches(store: MemoryStore) -> None:
    store.add_many("alice", FACTS)
    assert texts(store.search("alice", "zeppelin xylophone", mode="bm25")) == []
    assert texts(store.search("alice", "Berlin", mode="bm25", k=10)) == sorted(
        [FACTS[0], FACTS[5]], key=texts(store.search("alice", "Berlin", mode="bm25")).index
    )


def test_recency_orders_by_creation_time(store: MemoryStore) -> None:
    start = datetime(2023, 1, 1, tzinfo=UTC)
    store.add_many("alice", [{"text": t, "created_at": start + timedelta(days=i)} for i, t in enumerate(FACTS)])
    assert texts(store.search("alice", "", mode="recency", k=3)) == FACTS[::-1][:3]


def test_kind_filter_limits_search(store: MemoryStore) -> None:
    store.add_many("alice", FACTS)
    store.add("alice", "I prefer window seats on trains", kind="preference")
    hits = store.search("alice", "Berlin hospital nurse", kinds=["preference"], k=5, mode="dense")
    assert texts(hits) == ["I prefer window seats on trains"]


def test_supersede_keeps_history_and_prefers_the_current_fact(store: MemoryStore) -> None:
    old = store.add("alice", "I live in Paris", kind="fact")
    store.add_many("alice", FACTS)
    new = store.supersede("alice", old.id, "I moved from Paris to Berlin")
    retired = store.get("alice", old.id)
    assert retired.status is MemoryStatus.SUPERSEDED and retired.superseded_by == new.id
    assert new.metadata["supersedes"] == old.id and new.status is MemoryStatus.ACTIVE
    for mode in ("dense", "bm25", "hybrid", "recency"):
        found = texts(store.search("alice", "where do I live? Paris", k=10, mode=mode))
        assert "I live in Paris" not in found, mode
    with_history = texts(store.search("alice", "live Paris", k=10, mode="bm25", include_superseded=True))
    assert "I live in Paris" in with_history
    assert [m.id for m in store.list("alice", include_superseded=True) if m.status == "superseded"] == [old.id]


def test_update_changes_text_metadata_and_search(store: MemoryStore) -> None:
    memory = store.add("alice", "I drink my coffee black")
    updated = store.update("alice", memory.id, text="I drink green tea, never coffee", metadata={"edited": True})
    assert updated.id == memory.id and updated.created_at == memory.created_at
    assert updated.updated_at > memory.updated_at
    assert store.get("alice", memory.id).metadata == {"edited": True}
    assert texts(store.search("alice", "green tea", mode="bm25")) == ["I drink green tea, never coffee"]


def test_delete_removes_from_every_path(store: MemoryStore) -> None:
    kept, gone = store.add_many("alice", ["I like jazz", "I like techno"])
    store.delete("alice", gone.id)
    with pytest.raises(NotFoundError):
        store.get("alice", gone.id)
    assert [m.id for m in store.list("alice")] == [kept.id]
    for mode in ("dense", "bm25", "hybrid"):
        assert gone.id not in [h.memory.id for h in store.search("alice", "techno", mode=mode)]


def test_list_pages_newest_first(store: MemoryStore) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    store.add_many("alice", [{"text": f"fact number {i}", "created_at": start + timedelta(hours=i)} for i in range(25)])
    first = store.list("alice", limit=10)
    second = store.list("alice", limit=10, offset=10)
    assert [m.text for m in first] == [f"fact number {i}" for i in range(24, 14, -1)]
    assert [m.text for m in second] == [f"fact number {i}" for i in range(14, 4, -1)]
    assert store.list("alice", kind="preference") == []


def test_forget_removes_everything_of_one_user_only(store: MemoryStore) -> None:
    store.add_many("alice", FACTS)
    store.add_many("bob", ["Bob likes sailing"])
    assert store.forget("alice") == len(FACTS)
    assert store.list("alice") == [] and store.search("alice", "nurse") == []
    assert texts(store.search("bob", "sailing")) == ["Bob likes sailing"]
    assert store.forget("alice") == 0
    assert store.users() == ["bob"]


def test_export_import_round_trip_is_exact(store: MemoryStore) -> None:
    store.add("alice", "I live in Paris", metadata={"nested": {"a": [1, 2.5, None]}, "unicode": "café ☕"})
    first = store.add("alice", "Unicode: 日本語テキスト", kind="event", source="thread-1:3")
    store.supersede("alice", first.id, "Unicode: 한국어 텍스트")
    exported = store.export("alice")
    assert len(exported.splitlines()) == 3
    assert all(json.loads(line)["user_id"] == "alice" for line in exported.splitlines())
    store.forget("alice")
    assert store.import_records("alice", exported) == 3
    assert store.export("alice") == exported
    assert store.import_records("alice", exported.splitlines()) == 3  # importing again overwrites, no duplicates
    assert store.export("alice") == exported


def test_records_survive_reopening_the_folder(tmp_path, embedder) -> None:
    import subprocess
    import sys

    path = tmp_path / "chroma"
    script = (
        "import sys; from memory import MemoryStore; s = MemoryStore(path=sys.argv[1]); "
        "s.add('alice', 'I keep bees on my balcony', kind='preference'); print(s.count('alice'))"
    )
    written = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True)
    assert written.stdout.strip() == "1"
    reopened = MemoryStore(path=path, embedder=embedder)
    hits = reopened.search("alice", "What hobby involves insects?", mode="dense")
    assert texts(hits) == ["I keep bees on my balcony"] and hits[0].memory.kind is MemoryKind.PREFERENCE


def test_context_is_matched_by_keywords_but_is_not_the_memory(store: MemoryStore) -> None:
    store.add("alice", "Yes, twice last summer!", context="Bob: Have you ever been to Iceland?")
    store.add("alice", "I had pancakes for breakfast")
    hits = store.search("alice", "Iceland trip", mode="bm25")
    assert texts(hits) == ["Yes, twice last summer!"]
    assert hits[0].memory.context == "Bob: Have you ever been to Iceland?"
    assert texts(store.search("alice", "Iceland trip", mode="hybrid", k=1)) == ["Yes, twice last summer!"]
    exported = store.export("alice")
    store.forget("alice")
    store.import_records("alice", exported)
    assert store.export("alice") == exported


def test_a_record_in_a_foreign_layout_is_a_clear_error(store: MemoryStore, embedder) -> None:
    from memory import StoreUnavailableError
    from memory.store import collection_name

    store.add("alice", "I like tea")
    raw = store._client.get_collection(collection_name("alice"))
    raw.add(ids=["legacy"], embeddings=embedder.encode(["old"]), documents=["old"], metadatas=[{"kind": "fact"}])
    where = {"url": store.location} if store._remote else {"path": store.location}
    reopened = MemoryStore(**where, embedder=embedder)  # reads the collection afresh
    with pytest.raises(StoreUnavailableError, match="storage layout"):
        reopened.list("alice")


def test_hybrid_is_dense_alone_when_the_query_shares_no_word(store: MemoryStore) -> None:
    store.add_many("alice", FACTS)
    query = "Where should we go for a quiet weekend?"
    assert not store.search("alice", query, k=6, mode="bm25")
    dense = store.search("alice", query, k=6, mode="dense")
    assert store.search("alice", query, k=6, mode="hybrid") == dense


def test_a_common_shared_word_barely_moves_the_dense_scores(store: MemoryStore) -> None:
    store.add_many("alice", FACTS)
    query = "Where should my family go for a quiet weekend?"  # shares only "my" with two memories
    assert store.search("alice", query, k=6, mode="bm25")
    dense = {hit.memory.id: hit.score for hit in store.search("alice", query, k=6, mode="dense")}
    hybrid = {hit.memory.id: hit.score for hit in store.search("alice", query, k=6, mode="hybrid")}
    assert hybrid.keys() == dense.keys()
    assert all(0.0 <= hybrid[key] - dense[key] < 0.1 for key in dense)  # "my" is a tenth of the query, at most


def test_hybrid_scores_a_keyword_match_that_dense_search_ranked_too_low_to_return(store: MemoryStore, embedder) -> None:
    fillers = [f"I went for a long walk in the park on day {n}." for n in range(80)]
    number = "Zbigniew's number: 07700 900123"
    store.add_many("alice", fillers + [number])
    query = "Which long walk in the park did Zbigniew join me on?"
    assert number not in texts(store.search("alice", query, k=50, mode="dense"))
    hits = store.search("alice", query, k=3, mode="hybrid")
    match = next(hit for hit in hits if hit.memory.text == number)
    cosine = float(embedder.encode([query])[0] @ embedder.encode([number])[0])
    assert 0.0 < match.score - cosine <= 1.0  # its own cosine, plus its share of the keyword evidence


def test_hybrid_scores_weigh_keywords_by_their_evidence() -> None:
    from memory.fusion import hybrid_scores

    dense = {"a": 0.6, "b": 0.5, "c": 0.4}
    keyword = {"c": 8.0, "b": 2.0}
    assert [key for key, _ in hybrid_scores(dense, keyword, 0.0)] == ["a", "b", "c"]
    assert [key for key, _ in hybrid_scores(dense, keyword, 1.0)] == ["c", "b", "a"]
    assert dict(hybrid_scores(dense, keyword, 0.5))["c"] == pytest.approx(0.4 + 0.5)
    with pytest.raises(ValueError, match="evidence"):
        hybrid_scores(dense, keyword, 1.5)
