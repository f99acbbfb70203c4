"""How much a keyword match is worth: the IDF-weighted share of the query's terms its text holds."""

from __future__ import annotations

import pytest

from memory.keyword import KeywordIndex

TEXTS = [
    "I strictly avoid gluten",
    "My sister Anna lives in Lisbon",
    "My cat sleeps all day",
    "My bike is red",
]


def test_a_text_holding_every_query_term_is_full_evidence() -> None:
    assert KeywordIndex(TEXTS).evidence("Anna in Lisbon", 1) == pytest.approx(1.0)


def test_a_text_sharing_no_term_is_no_evidence() -> None:
    assert KeywordIndex(TEXTS).evidence("must-try restaurants in Rome", 0) == 0.0


def test_a_rare_shared_word_weighs_more_than_a_common_one() -> None:
    index = KeywordIndex(TEXTS)
    assert index.evidence("my sister Anna", 1) > 0.8 > 0.2 > index.evidence("my quiet weekend", 2) > 0.0


def test_out_of_range_positions_and_empty_indexes_are_no_evidence() -> None:
    assert KeywordIndex(TEXTS).evidence("Anna", 9) == 0.0
    assert KeywordIndex([]).evidence("Anna", 0) == 0.0
