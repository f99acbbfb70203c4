"""Bad input gets our own error naming the field; nothing is written on the way."""

from __future__ import annotations

import pytest

from memory import InvalidInputError, MemoryStore, NotFoundError
from memory.records import MAX_TEXT_BYTES


@pytest.mark.parametrize(
    ("user_id", "words"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 129, "limit is 128"),
        ("alice\n", "whitespace"),
        ("al\x00ice", "non-printable"),
        ("al\u200bice", "non-printable"),
        (42, "must be a string"),
        (None, "must be a string"),
    ],
)
def test_bad_user_ids_are_rejected_by_name(store: MemoryStore, user_id: object, words: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        store.add(user_id, "hello")  # type: ignore[arg-type]
    assert error.value.field == "user_id" and words in str(error.value)
    assert store.users() == []


@pytest.mark.parametrize("text", ["", "   \n\t", None, 3])
def test_bad_text_is_rejected(store: MemoryStore, text: object) -> None:
    with pytest.raises(InvalidInputError) as error:
        store.add("alice", text)  # type: ignore[arg-type]
    assert "text" in error.value.field
    assert store.count("alice") == 0


def test_oversized_text_names_the_limit(store: MemoryStore) -> None:
    with pytest.raises(InvalidInputError, match=f"limit is {MAX_TEXT_BYTES} bytes"):
        store.add("alice", "a" * (MAX_TEXT_BYTES + 1))
    assert store.add("alice", "a" * MAX_TEXT_BYTES).text == "a" * MAX_TEXT_BYTES


def test_unknown_kind_lists_the_allowed_kinds(store: MemoryStore) -> None:
    with pytest.raises(InvalidInputError, match="kind.*use one of: fact, preference"):
        store.add("alice", "hello", kind="opinion")


def test_one_bad_item_rejects_the_whole_batch(store: MemoryStore) -> None:
    with pytest.raises(InvalidInputError):
        store.add_many("alice", ["fine", "also fine", "   "])
    assert store.count("alice") == 0


def test_metadata_must_be_json(store: MemoryStore) -> None:
    with pytest.raises(InvalidInputError, match="metadata"):
        store.add("alice", "hello", metadata={"when": object()})
    with pytest.raises(InvalidInputError, match="metadata"):
        store.add("alice", "hello", metadata={1: "x"})  # type: ignore[dict-item]


def test_unknown_memory_id_is_not_found(store: MemoryStore) -> None:
    store.add("alice", "hello")
    for call in (
        lambda: store.get("alice", "nope"),
        lambda: store.update("alice", "nope", text="x"),
        lambda: store.supersede("alice", "nope", "x"),
        lambda: store.delete("alice", "nope"),
    ):
        with pytest.raises(NotFoundError, match="memory_id"):
            call()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"k": 0}, "k"), ({"k": -1}, "k"), ({"k": 10_001}, "k"), ({"mode": "fuzzy"}, "mode"), ({"kinds": ["x"]}, "kind")],
)
def test_bad_search_arguments(store: MemoryStore, kwargs: dict, field: str) -> None:
    store.add("alice", "hello")
    with pytest.raises(InvalidInputError) as error:
        store.search("alice", "hello", **kwargs)
    assert error.value.field == field


def test_empty_query_is_rejected_except_for_recency(store: MemoryStore) -> None:
    store.add("alice", "hello")
    with pytest.raises(InvalidInputError, match="query"):
        store.search("alice", "  ", mode="hybrid")
    assert len(store.search("alice", "", mode="recency")) == 1


def test_supersede_twice_is_refused(store: MemoryStore) -> None:
    old = store.add("alice", "I live in Rome")
    store.supersede("alice", old.id, "I live in Oslo")
    with pytest.raises(InvalidInputError, match="already superseded"):
        store.supersede("alice", old.id, "I live in Kyiv")


def test_import_rejects_garbage_with_the_line_number(store: MemoryStore) -> None:
    good = store.add("alice", "hello")
    lines = [good.model_dump_json(), '{"id": "x"}']
    with pytest.raises(InvalidInputError, match="records line 2"):
        store.import_records("bob", lines)
    assert store.count("bob") == 0


def test_oversized_batch_names_the_limit(store: MemoryStore) -> None:
    with pytest.raises(InvalidInputError, match=f"limit is {store.max_batch}"):
        store.add_many("alice", ["x"] * (store.max_batch + 1))
