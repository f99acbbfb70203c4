"""A profile holds only what the user said: every clause and field item is supported by one current memory.

Security finding 7: a profile rebuild for a user who only told facts about colleagues said "Lives in
Lyon, plays the saxophone" (the summary prompt's example), another said "Allergic to cats" (the user
said sesame), and alice's said she works as a nurse (her sister does). Real store and embeddings; the
models are the scripted one (as a small base model and as a capable JSON model) and the embedded one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import pytest

from agent import Assistant, Settings
from agent.llm.base import Message
from memory.grounding import grounded_in
from memory.profile import Profile, ProfileFields, profile_key
from memory.records import utc_now
from prompts import render

from .scripted_model import ScriptedModel

# The specifics of the profile prompts' few-shot examples (prompts/profile_summary.txt).
EXAMPLE_WORDS = ("lyon", "porto", "jazz", "saxophone", "cats")
COPIED = "Lives in Lyon, loves jazz and plays the saxophone. Allergic to cats."
COPIED_FIELDS = ProfileFields(
    interests=["jazz", "plays the saxophone"],
    dislikes=["cats"],
    facts=["Lives in Lyon", "Allergic to cats", "Moved from Lyon to Porto"],
)
COLLEAGUES = ["My colleague Priya runs marathons.", "My coworker Tom is learning Japanese.", "I'm allergic to sesame."]


def summary_prompt(messages: Sequence[Message]) -> bool:
    return messages[-1].content.rstrip().endswith("Summary:")


def all_text(profile: Profile) -> str:
    return " ".join([profile.summary, *profile.interests, *profile.dislikes, *profile.facts, profile.style or ""])


def open_with(tmp_path, model: ScriptedModel) -> Assistant:
    return Assistant.open(Settings(data_dir=tmp_path / "data"), chat_model=model)


@pytest.fixture
def copying(tmp_path, embedder) -> Iterator[tuple[Assistant, ScriptedModel]]:
    """A capable (JSON, tools) model that answers the profile prompts with the summary prompt's own example.

    Its JSON replies are queued just before a rebuild (remembering asks for JSON too).
    """
    model = ScriptedModel(
        reply_fn=lambda messages: COPIED if summary_prompt(messages) else "Noted.", supports_tools=True
    )
    with open_with(tmp_path, model) as assistant:
        yield assistant, model


def test_the_prompt_example_never_reaches_the_profile_of_a_user_who_told_about_colleagues(copying) -> None:
    assistant, model = copying
    for text in COLLEAGUES:
        assistant.remember("sam", text)
    for _ in range(5):  # the finding: five rebuilds, five copies of the example
        model.json_replies.append(COPIED_FIELDS)
        profile = assistant.profile("sam", refresh=True)
        assert not any(word in all_text(profile).lower() for word in EXAMPLE_WORDS), profile
    # nothing of the model's was supported, so the summary quotes the memories, each saying whom it is about
    assert "Your colleague Priya runs marathons." in profile.summary and "sesame" in profile.summary
    assert profile.facts and all(item in COLLEAGUES for item in profile.facts + profile.interests + profile.dislikes)


def test_an_allergy_to_something_else_does_not_back_a_copied_allergy(copying) -> None:
    assistant, model = copying
    assistant.remember("ria", "I'm allergic to sesame.")
    assistant.remember("ria", "I live in Lyon.")
    model.json_replies.append(ProfileFields(dislikes=["cats", "sesame"], facts=["Allergic to cats", "Lives in Lyon"]))
    profile = assistant.profile("ria", refresh=True)
    assert "cats" not in all_text(profile).lower()
    assert profile.summary == "Lives in Lyon."  # the one clause of the example this user's memories say
    assert profile.dislikes == ["sesame"] and profile.facts == ["Lives in Lyon"]


def test_a_small_base_model_copying_its_example_gets_the_users_own_memories(tmp_path, embedder) -> None:
    small = ScriptedModel(reply_fn=lambda messages: COPIED if summary_prompt(messages) else "Noted.")
    with open_with(tmp_path, small) as assistant:
        for text in COLLEAGUES:
            assistant.remember("sam", text)
        profile = assistant.profile("sam", refresh=True)
        assert not any(word in all_text(profile).lower() for word in EXAMPLE_WORDS), profile
        assert "Your coworker Tom is learning Japanese." in profile.summary


def sister_writer(messages: Sequence[Message]) -> str:
    """What alice's model wrote: the sister's job as hers."""
    return "Works as a nurse and teaches history. Her sister works as a nurse." if summary_prompt(messages) else "Ok."


@pytest.mark.parametrize("supports_tools", [False, True], ids=["base-model", "json-model"])
def test_the_sisters_job_is_never_the_users(tmp_path, embedder, supports_tools) -> None:
    fields = ProfileFields(facts=["Works as a nurse", "Teaches history", "Sister works as a nurse"],
                           interests=["nursing"])  # fmt: skip
    model = ScriptedModel(reply_fn=sister_writer, supports_tools=supports_tools)
    with open_with(tmp_path, model) as assistant:
        assistant.remember("alice", "My sister works as a nurse.")
        assistant.remember("alice", "I teach history.")
        model.json_replies.append(fields)
        profile = assistant.profile("alice", refresh=True)
    assert profile.summary == "teaches history. Her sister works as a nurse."
    for line in [*re.split(r"(?<=\.)\s+|,\s+|\s+and\s+", profile.summary), *profile.facts, *profile.interests]:
        assert "nurs" not in line.lower() or "sister" in line.lower(), line
    if supports_tools:
        assert profile.facts == ["Teaches history", "Sister works as a nurse"] and profile.interests == []


def test_clauses_about_someone_else_must_name_them() -> None:
    notes = ["My colleague Marc lives in Lyon.", "My sister Anna plays the saxophone.", "I live in Porto."]
    assert grounded_in("Lives in Lyon, plays the saxophone.", notes) == ""
    assert grounded_in("Lives in Porto, colleague Marc lives in Lyon.", notes) == (
        "Lives in Porto, colleague Marc lives in Lyon."
    )
    assert grounded_in("Anna plays the saxophone. Sister: plays the saxophone.", notes) == (
        "Anna plays the saxophone. Sister: plays the saxophone."
    )
    assert grounded_in("Tom is learning Japanese.", ["Tom is learning Japanese."]) == "Tom is learning Japanese."
    assert grounded_in("Is learning Japanese.", ["Tom is learning Japanese."]) == ""
    assert grounded_in("Her sister teaches history.", ["I teach history.", "I have a sister."]) == ""
    nights = ["My sister is a nurse. She works nights."]  # "she" is still the sister
    assert grounded_in("Works nights. Her sister works nights.", nights) == "Her sister works nights."


def test_a_clause_must_agree_with_its_memory_on_whether_it_is_so() -> None:
    assert grounded_in("Loves jazz.", ["I don't like jazz any more."]) == ""
    assert grounded_in("A teacher.", ["I quit teaching last year."]) == ""
    assert grounded_in("Loves cats.", ["I'm allergic to cats."]) == ""
    assert grounded_in("Has three kids.", ["I have two kids."]) == ""
    assert grounded_in("Has pets.", ["I have no pets."]) == ""
    assert grounded_in("Doesn't like jazz.", ["I don't like jazz any more."]) == "Doesn't like jazz."


def test_a_profile_stored_before_the_check_is_checked_when_read(tmp_path, embedder) -> None:
    with open_with(tmp_path, ScriptedModel()) as assistant:
        for text in COLLEAGUES:
            assistant.remember("sam", text)
        memories = assistant.store.list("sam", limit=100)
        built_from = {m.id: m.updated_at.isoformat() for m in memories}
        old = Profile(user_id="sam", summary=COPIED, updated_at=utc_now(), memory_count=len(memories),
                      built_from=built_from, **COPIED_FIELDS.model_dump())  # fmt: skip
        assistant.store.save_profile("sam", profile_key(None), old.model_dump_json(), old.summary)
        current = assistant.profiles.current("sam")
        assert current is not None and not any(word in all_text(current).lower() for word in EXAMPLE_WORDS)
        assert "sesame" in current.summary
        assert "saxophone" not in (assistant.store.load_profile("sam", profile_key(None)) or "")


# -- the embedded model --------------------------------------------------------------------------------------

# Users whose memories share nothing with the prompt's examples.
USERS = {
    "kai": [
        "I work as a marine biologist in Halifax.",
        "I go bouldering twice a week.",
        "My brother runs a bakery in Dublin.",
        "I'm lactose intolerant.",
    ],
    "mo": [
        "I'm a retired bus driver.",
        "I grow tomatoes and beans on my allotment.",
        "My daughter studies law in Leeds.",
        "I collect old maps.",
    ],
}
FILLER = set(
    [
        "your",
        "you",
        "yours",
        "with",
        "that",
        "this",
        "have",
        "from",
        "they",
        "them",
        "their",
        "also",
        "user",
        "person",
        "likes",
        "enjoys",
        "loves",
    ]
)


def words_of(text: str) -> set[str]:
    """Words of four letters or more, compared on their first five letters (the test's own check)."""
    return {w[:5] for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in FILLER}


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;!?])\s+|,\s+|\s+and\s+", text) if s.strip(" .")]


@pytest.mark.slow
def test_the_embedded_model_profile_says_only_what_the_users_memories_say(tmp_path, local_model, embedder) -> None:
    template = render("profile_summary", task="", previous="(none yet)", memories="(nothing new)", notes="", lead="")
    labels = ("- ", "Summary:", "Previous summary:")
    example = words_of(" ".join(line.split(":", 1)[-1] for line in template.splitlines() if line.startswith(labels)))
    assert {"lyon", "saxop", "porto"} <= example
    with Assistant.open(Settings(data_dir=tmp_path / "data"), chat_model=local_model) as assistant:
        for user, memories in USERS.items():
            for text in memories:
                assistant.remember(user, text)
            profile = assistant.profile(user, refresh=True)
            assert profile.summary.strip()
            mine = [words_of(text) for text in memories]
            for sentence in sentences(profile.summary):
                assert any(words_of(sentence) <= words for words in mine), (sentence, profile.summary)
                about_family = {"broth", "daugh"} & words_of(sentence)
                others = {"baker", "dubli", "studi", "leeds"} & words_of(sentence)
                assert about_family or not others, (sentence, profile.summary)  # never the user's own
            assert not words_of(all_text(profile)) & (example - set().union(*mine)), profile
