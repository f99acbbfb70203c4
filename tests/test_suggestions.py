"""The suggestion library: which written ideas may be offered to whom, and which drafts are the model's own."""

from __future__ import annotations

import pytest

from agent.constraints import banned_words, violations
from agent.suggestions import Example, SuggestionLibrary, load_examples, user_stems

FISHING = Example(
    "Your dad loves fishing.",
    "What should I get my dad for his birthday?",
    "Get him a good tackle box with a few hand-tied flies and a day pass to a lake he hasn't fished yet.",
)


@pytest.fixture(scope="module")
def library(embedder) -> SuggestionLibrary:
    return SuggestionLibrary(embedder)


def test_every_written_idea_respects_its_own_persons_constraints() -> None:
    for example in load_examples():
        banned = [word for sentence in example.person.split(". ") for word in banned_words(sentence)]
        assert not violations(example.suggestion, banned), example


def test_an_idea_that_rests_on_something_the_user_never_said_is_not_offered(library) -> None:
    request = "What can I do on Sunday morning?"
    with_dog = library.best(request, "You have a dog called Biscuit.", [], [])
    assert with_dog is not None and "dog" in with_dog.text
    without = library.best(request, "You love photography.", [], [])
    assert without is None or "dog" not in without.text


def test_an_idea_for_another_kind_of_request_loses_to_one_for_this_request(library) -> None:
    best = library.best("Any ideas for a quick breakfast?", "You're lactose intolerant.", [], ["milk", "cheese"])
    assert best is not None and "mousse" not in best.text  # the dessert idea fits the person, not the request


def test_young_children_said_any_way_fit_an_idea_for_little_ones(library) -> None:
    best = library.best("What could we do this weekend?", "You have a two-year-old son.", [], [])
    assert best is not None and best.text != library.best("What could we do this weekend?", "", [], []).text
    mixed = "You've got a bad knee. Your son Arjun is two."  # one fact fits an idea, the two together none
    best = library.best("What could we do this weekend?", mixed, [], [])
    assert best is not None and best.text != library.best("What could we do this weekend?", "", [], []).text
    teen = library.best("What can we do this afternoon?", "Your son is fifteen.", [], [])
    assert teen is None or "story time" not in teen.text


def test_a_draft_that_copies_another_persons_specifics_from_its_examples_is_not_used(library) -> None:
    facts = "Your grandmother loves knitting."
    copied = "Get her a good pair of knitting needles and a few hand-tied flies."
    assert library.borrowed(copied, [FISHING], user_stems("What should I get my grandma?", facts))
    best = library.best("What should I get my grandma?", facts, [copied], [], [FISHING])
    assert best is None or "flies" not in best.text
    own = "Get her a good pair of knitting needles and a book of patterns."
    assert not library.borrowed(own, [FISHING], user_stems("What should I get my grandma?", facts))


@pytest.mark.parametrize(
    ("facts", "request_text"),
    [
        ("You're vegan.", "What should I bring to a potluck?"),
        ("You're lactose intolerant.", "Any ideas for dessert?"),
        ("Your son is allergic to peanuts.", "What should I pack for his lunch?"),
        ("You don't drink.", "What should I order at the bar?"),
        ("You're coeliac.", "What should I bake this weekend?"),
    ],
)
def test_an_offered_idea_never_uses_what_the_user_cannot_have(library, facts, request_text) -> None:
    banned = list(banned_words(facts))
    best = library.best(request_text, facts, [], banned)
    assert best is not None, "the library should cover a common need"
    assert not violations(best.text, banned)


def test_the_examples_in_a_draft_prompt_respect_the_users_constraints(library) -> None:
    banned = list(banned_words("You're vegan."))
    shots = library.shots("What should I make for dinner?", "You're vegan.", banned)
    assert len(shots) == 3 and not any(violations(shot.suggestion, banned) for shot in shots)
