"""A profile summary never brings back a replaced or deleted fact, in the profile or in the next reply's context."""

from __future__ import annotations

import pytest

from agent import Assistant, Settings
from agent.threads import thread_key
from memory.profile_staleness import drop_replaced
from memory.records import Memory, MemoryStatus, utc_now

from .scripted_model import ScriptedModel

STALE_SUMMARY = "Works as a teacher, lives in Lyon and loves jazz."


def summary_writer(messages) -> str:
    """A model that keeps writing the old job into every profile summary, as a small model copies its notes."""
    return STALE_SUMMARY if messages[-1].content.rstrip().endswith("Summary:") else "Noted."


def memory(memory_id: str, text: str, *, replaced_by: str | None = None) -> Memory:
    now = utc_now()
    status = MemoryStatus.SUPERSEDED if replaced_by else MemoryStatus.ACTIVE
    return Memory(id=memory_id, user_id="u", text=text, created_at=now, updated_at=now, status=status,
                  superseded_by=replaced_by)


def test_clauses_stating_a_replaced_fact_go_and_clauses_about_the_change_stay() -> None:
    replaced = [memory("1", "I live in Paris.", replaced_by="2")]
    active = [memory("2", "I moved from Paris to Berlin."), memory("3", "I love jazz.")]
    assert drop_replaced("Lives in Paris, loves jazz.", replaced, active) == "loves jazz."
    assert drop_replaced("Moved from Paris to Berlin, loves jazz.", replaced, active) == (
        "Moved from Paris to Berlin, loves jazz."
    )
    teacher = [memory("4", "I'm a teacher.", replaced_by="5")]
    now = [memory("5", "I quit teaching and now I work as a carpenter."), memory("6", "I live in Lyon.")]
    assert drop_replaced(STALE_SUMMARY, teacher, now) == "lives in Lyon, loves jazz."
    assert drop_replaced("Former teacher, now a carpenter.", teacher, now) == "now a carpenter."


@pytest.fixture
def assistant(tmp_path, embedder):
    with Assistant.open(Settings(data_dir=tmp_path / "data"), chat_model=ScriptedModel(reply_fn=summary_writer)) as a:
        yield a


def tell(assistant: Assistant, user: str, *messages: str) -> None:
    for message in messages:
        assistant.chat(user, message, thread_id="facts")
    assistant.flush()


def context_of_next_reply(assistant: Assistant, user: str, question: str) -> tuple[str, str]:
    """The profile the reply was given, and everything the reply and the model saw, for a question in a new thread."""
    model = assistant.model
    before = len(model.calls)
    reply = assistant.chat(user, question, thread_id="later")
    state = assistant.graph.get_state({"configurable": {"thread_id": thread_key(user, "later")}}).values
    shown = [str(args) for _, args in model.calls[before:]]
    seen = " ".join([reply.text, *(m.text for m in reply.recalled), *shown, state.get("profile", "")])
    return state.get("profile", ""), seen


def test_after_quitting_teaching_neither_the_profile_nor_the_next_reply_says_teacher(assistant) -> None:
    tell(assistant, "ana", "I'm a teacher.", "I live in Lyon.", "I love jazz.")
    assert "teacher" in assistant.profile("ana").summary  # the profile rested on the old job

    tell(assistant, "ana", "I quit teaching and now I work as a carpenter.")
    assert assistant.memories("ana", "What is my job?", k=1)[0].text.startswith("I quit teaching")
    profile = assistant.profile("ana")
    assert "teacher" not in profile.summary.lower() and "Lyon" in profile.summary
    assert not any("teacher" in item.lower() for item in profile.facts + profile.interests)

    summary, seen = context_of_next_reply(assistant, "ana", "What do I do for work?")
    assert summary and "teacher" not in seen.lower()
    assert "teacher" not in assistant.profile("ana", refresh=True).summary.lower()  # a full rebuild, too


def test_a_deleted_memory_leaves_the_profile_before_the_next_reply(assistant) -> None:
    tell(assistant, "ben", "I'm a teacher.", "I live in Lyon.", "I love jazz.")
    assert "teacher" in assistant.profile("ben").summary
    teacher = next(m for m in assistant.memories("ben", k=10) if m.text == "I'm a teacher.")
    assistant.forget_memory("ben", teacher.id)
    summary, seen = context_of_next_reply(assistant, "ben", "Where do I live?")
    assert "Lyon" in summary and "teacher" not in seen.lower()


def test_another_users_profile_is_left_alone(assistant) -> None:
    tell(assistant, "ana", "I'm a teacher.", "I live in Lyon.", "I love jazz.")
    tell(assistant, "cai", "I'm a teacher.", "I live in Lyon.", "I love jazz.")
    tell(assistant, "ana", "I quit teaching and now I work as a carpenter.")
    assert "teacher" in assistant.profiles.current("cai").summary
    assert "teacher" not in assistant.profiles.current("ana").summary


@pytest.mark.slow
def test_the_embedded_model_profile_forgets_the_replaced_job(tmp_path, local_model, embedder) -> None:
    with Assistant.open(Settings(data_dir=tmp_path / "data"), chat_model=local_model) as assistant:
        tell(assistant, "dee", "I'm a teacher.", "I live in Lyon.", "I love jazz.", "I have two cats.")
        assistant.profile("dee", refresh=True)
        tell(assistant, "dee", "I quit teaching and now I work as a carpenter.")
        for profile in (assistant.profiles.current("dee"), assistant.profile("dee", refresh=True)):
            assert profile is not None and profile.summary.strip()
            assert "teacher" not in profile.summary.lower(), profile.summary
