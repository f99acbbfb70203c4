"""The background writer is fair between users: a huge message is cut to a bounded turn, and users' turns interleave."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

from agent.outbox import Outbox
from agent.writer import MemoryWriter
from memory import MemoryStore
from memory.extraction import MAX_CANDIDATES_PER_TURN, Candidate, Extraction, extract, statements
from memory.profile import ProfileBuilder
from tests.scripted_model import ScriptedModel

REPEATED = "I like tea\n" * 4000  # 44 KB: 4,000 copies of one statement, like the 28 KB message of the review
MANY = "".join(f"I like song number {n}.\n" for n in range(1000))  # 1,000 different statements, 23 KB


def test_repeats_in_a_turn_collapse_and_a_turn_has_at_most_the_cap(embedder) -> None:
    assert [c.text for c in statements(embedder, REPEATED)] == ["I like tea"]
    assert [c.text for c in statements(embedder, "I love tea. i love  tea! I love coffee.")] == [
        "I love tea.",
        "I love coffee.",
    ]
    found = statements(embedder, MANY)
    assert len(found) == MAX_CANDIDATES_PER_TURN
    assert [c.text for c in found[:2]] == ["I like song number 0.", "I like song number 1."]  # the first ones, in order


def test_a_capable_model_s_extraction_is_collapsed_too(embedder) -> None:
    said = [Candidate(text="I live in Oslo"), Candidate(text="i live in oslo."), Candidate(text="I have a cat")]
    model = ScriptedModel(supports_tools=True, json_replies=[Extraction(memories=said)])
    assert [c.text for c in extract(model, embedder, "…")] == ["I live in Oslo", "I have a cat"]


def test_one_user_s_huge_turns_do_not_hold_back_another_user(store: MemoryStore, tmp_path: Path) -> None:
    model = ScriptedModel(default_reply="A person.")
    writer = MemoryWriter(store, model, ProfileBuilder(store, model), Outbox(tmp_path / "outbox.sqlite"))
    finished: list[str] = []

    def submit(user_id: str, label: str, message: str) -> Future:
        future = writer.submit(user_id, message, "Noted.", f"default:{label}")
        future.add_done_callback(lambda _: finished.append(label))
        return future

    try:
        with writer.paused():  # every turn is queued before the worker takes one
            alice = [submit("alice", f"alice{n}", MANY if n % 2 else REPEATED) for n in range(3)]
            submit("bob", "bob", "I grow chillies on my windowsill.")
        writer.wait_for("bob", timeout=None)
        assert [m.text for m in store.list("bob")] == ["I grow chillies on my windowsill."]
        writer.flush()
        # Bob's turn waited for one of alice's, not all three; alice's own turns kept their order.
        assert finished == ["alice0", "bob", "alice1", "alice2"]
        assert [len(future.result()) for future in alice] == [1, MAX_CANDIDATES_PER_TURN, 1]
        assert [o.action for o in alice[2].result()] == ["ignore"]  # "I like" again: known from alice0
        done = writer.outbox.counts()
        assert done["pending"] == 0 and done["done"] == 4
    finally:
        writer.close()


def test_a_job_saved_before_the_cap_is_bounded_on_replay(store: MemoryStore, tmp_path: Path) -> None:
    model = ScriptedModel(default_reply="A person.")
    outbox = Outbox(tmp_path / "outbox.sqlite")
    job = outbox.add("turn", "carol", {"message": REPEATED, "reply": "Noted.", "source": "default:1"})
    outbox.save_progress(job, candidates=[{"text": "I like", "kind": "preference"}] * 4000, applied=0, changed=False)
    writer = MemoryWriter(store, model, ProfileBuilder(store, model), outbox)
    try:
        assert writer.replay() == 1
        writer.flush()
        assert outbox.get(job.id).state == "done"
        assert outbox.get(job.id).progress["applied"] == MAX_CANDIDATES_PER_TURN
        assert [m.text for m in store.list("carol")] == ["I like"]
    finally:
        writer.close()
