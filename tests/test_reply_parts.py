"""The parts of a grounded reply: second person, which memory answers, constraints."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent.answering import answering_memories
from agent.constraints import banned_words, stale_words, violations
from agent.reply import lead_clause, names_someone_known, unknown_line
from memory import Memory
from memory.person import as_clause, as_sentence, to_second_person


def memory(text: str, **fields: object) -> Memory:
    now = datetime.now(UTC)
    return Memory(id=text[:8], user_id="u", text=text, created_at=now, updated_at=now, **fields)


@pytest.mark.parametrize(
    ("said", "rewritten"),
    [
        ("I have two kids, Leo and Mia", "You have two kids, Leo and Mia."),
        ("My sister's name is Clara", "Your sister's name is Clara."),
        ("I'm allergic to peanuts: a trace makes me sick.", "You're allergic to peanuts: a trace makes you sick."),
        ("I was born in Lyon. I love cats", "You were born in Lyon. You love cats."),
        ("We adopted a greyhound called Pepper", "You adopted a greyhound called Pepper."),
        ("I am a nurse and I love your tips", "You are a nurse and you love my tips."),
        ("I moved to the US with my wife", "You moved to the US with your wife."),
    ],
)
def test_second_person(said: str, rewritten: str) -> None:
    assert as_sentence(said) == rewritten


def test_clause_keeps_a_leading_name_and_drops_the_stop() -> None:
    assert as_clause("Mark and I broke up.") == "Mark and you broke up"
    assert as_clause("I live in Lyon.") == "you live in Lyon"
    assert to_second_person("I’m vegan") == "You're vegan"


def answers(embedder, question: str, texts: list[str], **fields: object) -> list[str]:
    memories = [memory(text, **fields) for text in texts]
    vectors = embedder.encode([question, *texts])
    return [a.memory.text for a in answering_memories(question, memories, vectors[0], vectors[1:])]


def test_a_memory_answers_only_the_question_it_is_about(embedder) -> None:
    facts = ["My cat is called Tom.", "I work as a pharmacist in Leeds.", "My sister Anna lives in Lisbon."]
    assert answers(embedder, "What's my cat's name?", facts) == ["My cat is called Tom."]
    assert answers(embedder, "What's my dog's name?", facts) == []
    assert answers(embedder, "What do I do for a living?", facts) == ["I work as a pharmacist in Leeds."]
    assert answers(embedder, "Where does my sister live?", facts) == ["My sister Anna lives in Lisbon."]
    assert answers(embedder, "What does my brother do?", facts) == []
    assert answers(embedder, "When is my birthday?", facts) == []


def test_a_memory_that_fills_the_slot_asked_answers_without_a_shared_word(embedder) -> None:
    facts = ["I left law last year and I'm a baker now.", "My sister is a nurse.", "We live near the sea."]
    assert answers(embedder, "What do I do for work?", facts) == ["I left law last year and I'm a baker now."]


def test_every_memory_that_states_the_asked_thing_is_said_not_only_the_closest(embedder) -> None:
    facts = ["I work night shifts at the children's hospital.", "I'm a nurse.", "My sister is a teacher."]
    found = answers(embedder, "What do I do for work?", facts)
    assert sorted(found) == ["I work night shifts at the children's hospital.", "I'm a nurse."]
    assert answers(embedder, "Which company do I work for?", ["I joined Bosch last month."]) == [
        "I joined Bosch last month."
    ]
    assert answers(embedder, "What's my profession?", ["My sister is a nurse."]) == []  # her job, not mine


def test_a_memory_about_another_thing_never_answers_for_the_thing_asked(embedder) -> None:
    assert answers(embedder, "What's my cat called?", ["I have a daughter called Mia."]) == []
    assert answers(embedder, "What's my dog called?", ["We adopted a puppy called Rex."]) == [
        "We adopted a puppy called Rex."
    ]


def test_a_memory_that_names_no_such_thing_never_answers_which_thing(embedder) -> None:
    assert answers(embedder, "Which school does my son go to?", ["My son is seven."]) == []
    assert answers(embedder, "Which school does my son go to?", ["My son goes to Hillside Primary."]) == [
        "My son goes to Hillside Primary."
    ]
    assert answers(embedder, "What car does my brother drive?", ["My brother Tom lives in Leeds."]) == []
    assert answers(embedder, "How old is my son?", ["My son is seven."]) == ["My son is seven."]
    assert answers(embedder, "What sport do I play?", ["I play volleyball on Thursday evenings."]) == [
        "I play volleyball on Thursday evenings."
    ]


def test_a_replacing_memory_answers_through_the_words_it_inherited(embedder) -> None:
    moved = memory("I just moved to Berlin last month.", context="I live in Paris")
    vectors = embedder.encode(["Where do I live?", moved.text])
    assert [a.memory.text for a in answering_memories("Where do I live?", [moved], vectors[0], vectors[1:])] == [
        moved.text
    ]


def test_diets_allergies_and_dislikes_ban_what_they_exclude() -> None:
    assert {"chicken", "salmon"} <= set(banned_words("I'm a vegetarian."))
    assert "cheese" not in banned_words("I'm a vegetarian.")
    assert {"cheese", "honey", "chicken"} <= set(banned_words("I'm vegan now"))
    assert {"peanut butter", "almonds"} <= set(banned_words("I'm allergic to nuts."))
    assert "horror" in banned_words("I really can't stand horror films.")
    assert {"wine", "beer"} <= set(banned_words("I don't drink alcohol at all."))
    assert banned_words("I'm not vegetarian any more.") == ()
    assert banned_words("I love hiking") == ()


def test_violations_match_whole_words_only() -> None:
    assert violations("Try a chicken curry.", ["chicken"]) == ["chicken"]
    assert violations("Try a chickpea curry.", ["chicken", "chick"]) == []
    assert violations("No codes here.", ["cod"]) == []


def test_stale_words_are_the_ones_only_replaced_memories_have() -> None:
    old = [memory("I live in Paris.")]
    new = [memory("I just moved to Berlin last month.")]
    assert stale_words(old, new) == ("Paris",)


@pytest.mark.parametrize(
    ("memory_text", "lead"),
    [
        ("I've got a bad knee, so running is out for me.", "you've got a bad knee"),
        ("I'm coeliac, so no gluten for me.", "you're coeliac"),
        ("I'm a student so I don't have much money.", "you're a student so you don't have much money"),
        ("I'm vegan.", "you're vegan"),
    ],
)
def test_a_lead_gives_the_need_not_what_the_suggestion_avoids(memory_text: str, lead: str) -> None:
    assert lead_clause(memory_text) == lead


def test_a_question_naming_someone_the_user_told_about_is_about_the_user() -> None:
    told = [memory("My son Arjun is two."), memory("I'm from Peru.")]
    assert names_someone_known("Which school does Arjun go to?", told)
    assert not names_someone_known("What's the capital of Peru?", told)  # a place, not someone of theirs
    assert not names_someone_known("Who is Bob Dylan?", told)


def test_not_knowing_a_name_says_whose_name_is_missing() -> None:
    assert unknown_line("What's my dog called?").startswith("I don't know your dog's name yet")
    assert unknown_line("What are my kids called?").startswith("I don't know your kids' names yet")
    assert unknown_line("Where is my office?").startswith("I don't know your office yet")


@pytest.mark.parametrize(
    ("statement", "banned", "allowed"),
    [
        ("I don't drink.", "Order a glass of wine.", "Order a lime and soda."),
        ("I stopped drinking last year.", "Have a cold beer.", "Have a cold lemonade."),
        ("I gave up meat two years ago.", "Try a beef stew.", "Try a bean stew."),
        ("I'm terrified of flying.", "Take a cheap flight to Rome.", "Take the night train to Rome."),
        ("I'm lactose intolerant.", "Add a spoon of cream.", "Add a splash of oat milk, with no cream or butter."),
    ],
)
def test_constraints_read_plain_ways_of_saying_them(statement: str, banned: str, allowed: str) -> None:
    assert violations(banned, banned_words(statement))
    assert not violations(allowed, banned_words(statement))


def test_a_question_for_a_name_number_or_time_is_answered_only_by_a_memory_that_holds_one(embedder) -> None:
    boss = ["My boss is a nightmare.", "My boss is called Dana."]
    assert answers(embedder, "What's my boss called?", boss) == ["My boss is called Dana."]
    gym = ["I go to the gym by the station.", "My gym locker number is 4101."]
    assert answers(embedder, "What's my gym locker number?", gym) == ["My gym locker number is 4101."]
    assert answers(embedder, "What's my gym locker number?", gym[:1]) == []
    assert answers(embedder, "What time is my dentist appointment?", ["I have a dentist appointment on Friday."]) == []


def test_an_email_or_web_address_is_never_put_in_the_second_person() -> None:
    said = "My new email is kat.morrow84@proton.me, call me on it. I moved my site to me.dev/i"
    expected = "Your new email is kat.morrow84@proton.me, call you on it. You moved your site to me.dev/i"
    assert to_second_person(said) == expected
