"""Profile summaries keep only what the user's memories back up."""

from __future__ import annotations

from memory.grounding import grounded
from memory.profile import write_summary
from memory.records import Memory, utc_now

from .scripted_model import ScriptedModel


def memories(*texts: str) -> list[Memory]:
    now = utc_now()
    return [Memory(id=str(i), user_id="u", text=t, created_at=now, updated_at=now) for i, t in enumerate(texts)]


def test_clauses_copied_from_the_few_shot_example_are_dropped() -> None:
    notes = memories("I live in Berlin", "I love jazz")
    summary = "Lives in Berlin, loves jazz and plays the saxophone. Allergic to cats."
    assert grounded(summary, notes) == "Lives in Berlin, loves jazz."


def test_only_current_memories_count_as_evidence_not_the_previous_summary() -> None:
    # a clause that once slipped into a summary must not live on through the next incremental rebuild
    assert grounded("Plays the cello, moved to Oslo.", memories("I moved to Oslo")) == "moved to Oslo."
    assert grounded("Allergic to cats.", memories("I love jazz")) == ""


def test_an_ungrounded_summary_falls_back_to_the_notes_unless_the_caller_shows_them_already() -> None:
    notes = ["I love jazz", "I live in Lyon"]
    invented = ScriptedModel(default_reply="A keen skier from Oslo who collects stamps.")
    assert write_summary(invented, notes) == "You love jazz. You live in Lyon."
    assert write_summary(invented, notes, fall_back_to_notes=False) == ""
