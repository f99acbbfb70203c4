"""The embedded reader: one Reading per message, from the shipped heads over real MiniLM vectors.

These are the team's own phrasings (the heads were trained on separate, family-split data); the
blind sets and ``rapport eval reading`` measure how it does on words it never saw.
"""

from __future__ import annotations

import numpy as np
import pytest

from memory.reading import Act, Change, Reading, Slot
from memory.reading.heads import Head, load_heads, save_heads, shipped_heads
from memory.reading.reader import EmbeddedReader, split_sentences
from memory.reading.values import distinct_values, self_name, values


@pytest.fixture(scope="module")
def reader(embedder) -> EmbeddedReader:
    return EmbeddedReader(embedder)


@pytest.mark.parametrize(
    ("message", "ask", "social", "told"),
    [
        ("Hi! I'm Alice. I'm a vegetarian and I live in Lyon.", None, [Act.GREETING], 3),
        ("Where do I live?", Act.RECALL, [], 0),
        ("What do you know about me?", Act.ABOUT_ME, [], 0),
        ("Can you suggest a dinner recipe for me tonight?", Act.REQUEST, [], 0),
        ("Suggest a funny movie for tonight.", Act.RECOMMEND, [], 0),
        ("I just moved to Berlin. Any tips for finding a flat?", Act.REQUEST, [], 1),
        ("Thanks, that was really helpful!", None, [Act.THANKS], 0),
        ("Forget that I live in Paris", Act.FORGET, [], 0),
        ("What's the capital of Peru?", Act.CHAT, [], 0),
        ("How can I get back into exercise?", Act.REQUEST, [], 0),
        ("What's a good gift for my dad?", Act.REQUEST, [], 0),
        ("What do I do for work?", Act.RECALL, [], 0),
        ("What sport do I play?", Act.RECALL, [], 0),
        ("Do you remember my name?", Act.RECALL, [], 0),
    ],
)
def test_what_a_message_does(
    reader: EmbeddedReader, message: str, ask: Act | None, social: list[Act], told: int
) -> None:
    reading = reader.read(message)
    assert reading.ask == ask
    assert reading.social == social
    assert len(reading.statements) == told


def test_a_question_about_a_part_of_life_has_that_focus(reader: EmbeddedReader) -> None:
    assert reader.read("What do you know about my family?").focus is Slot.FAMILY
    assert reader.read("Do you remember my name?").focus is Slot.NAME
    assert reader.read("Tell me everything you know about me.").focus is None


def test_statements_get_a_slot_a_need_and_a_change(reader: EmbeddedReader) -> None:
    allergy, diet, moved = reader.classify(
        ["I have a severe allergy to shellfish", "I strictly follow a vegan diet", "We moved to Leeds last month"]
    )
    assert (allergy.slot, allergy.need) == (Slot.ALLERGY, True)
    assert (diet.slot, diet.need) == (Slot.DIET, True)
    assert (moved.slot, moved.change) == (Slot.HOME, Change.SWITCH)


def test_a_self_introduction_gives_the_name(reader: EmbeddedReader) -> None:
    assert reader.read("Hi! I'm Alice. I love jazz.").name == "Alice"
    assert reader.read("My name is Samir.").name == "Samir"
    assert reader.read("I'm tired.").name is None


def test_a_sentence_that_goes_on_about_the_last_one_stays_with_it(reader: EmbeddedReader) -> None:
    texts = [s.text for s in reader.statements(["Just got a puppy!!", "She's a cockapoo called Waffles"])]
    assert texts == ["I just got a puppy!! She's a cockapoo called Waffles"]


def test_a_sentence_is_read_in_context_news_goes_on_after_the_sentence_that_told_it(reader: EmbeddedReader) -> None:
    reading = reader.read("we adopted a kitten!!! he's a ginger tom, we named him Biscuit, 10 weeks old")
    assert [s.act for s in reading.sentences] == [Act.TELL, Act.TELL] and reading.ask is None
    assert "Biscuit" in reading.statements[-1].text
    reading = reader.read("swam the channel relay last weekend!!! 13 hours 20 minutes from Dover, arms are jelly")
    assert reading.ask is None and any("Dover" in s.text for s in reading.statements)
    reading = reader.read("We got a puppy. Thanks so much!")  # a social move after news stays social
    assert reading.sentences[-1].act is Act.THANKS


def test_a_no_that_carries_meaning_is_kept_and_a_no_that_answers_is_dropped(reader: EmbeddedReader) -> None:
    assert [s.text for s in reader.read("Any ideas for a holiday? no real budget limit").statements] == [
        "No real budget limit"
    ]
    assert [s.text for s in reader.read("No, I live in Leeds.").statements] == ["I live in Leeds."]


def test_values_are_names_numbers_and_dates() -> None:
    assert values("My gym locker number at work is 4102.") == ["4102"]
    assert "Waffles" in values("She's a cockapoo called Waffles")
    assert "march" in values("My birthday is on 3 March")
    assert distinct_values("My locker is 4101.", "My locker is 4102.")
    assert not distinct_values("I love hiking", "I love hiking!")
    assert self_name("hey im tomasz") == "Tomasz"
    assert self_name("I'm so tired") is None


def test_a_greeting_opening_a_message_is_its_own_sentence() -> None:
    assert split_sentences("Hey, I'm Jo. I love tea.") == ["Hey", "I'm Jo.", "I love tea."]


def test_a_reading_only_asks_with_an_asking_act() -> None:
    with pytest.raises(ValueError, match="ask must be one of"):
        Reading(message="hi", ask=Act.GREETING)


def test_heads_round_trip_as_plain_arrays(tmp_path) -> None:
    head = Head(name="toy", classes=("a", "b"), weights=np.eye(2, dtype=np.float32), bias=np.zeros(2, np.float32))
    save_heads([head], tmp_path / "heads.npz")
    loaded = load_heads(tmp_path / "heads.npz")["toy"]
    assert loaded.classes == ("a", "b")
    assert loaded.predict(np.array([[0.0, 3.0]]))[0][0] == "b"


def test_the_shipped_heads_cover_every_label() -> None:
    heads = shipped_heads()
    assert set(heads["act"].classes) == {a.value for a in Act}
    assert set(heads["slot"].classes) == {s.value for s in Slot}
    assert set(heads["change"].classes) == {c.value for c in Change}
