"""The deterministic request parser and the per-catalog vocabulary it reads with (no embedder needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tools.catalog import CatalogIndex
from tools.items import load_movielens_items, make_item
from tools.request_parser import parse_request
from tools.request_vocabulary import build_vocabulary, title_keys

from .request_data import write_request_movielens


@pytest.fixture(scope="module")
def vocabulary(tmp_path_factory: pytest.TempPathFactory):
    folder = write_request_movielens(tmp_path_factory.mktemp("request-catalog"))
    items = load_movielens_items(folder).items
    return build_vocabulary(CatalogIndex(items, np.zeros((len(items), 4), dtype=np.float32)))


def parse(text: str, vocabulary) -> dict:
    facets = parse_request(text, vocabulary)
    return facets.model_dump(exclude_defaults=True, exclude={"phrases"})


def test_moods_and_negations_with_their_scope(vocabulary) -> None:
    facets = parse_request("something light for tonight, nothing too violent", vocabulary)
    assert facets.moods == ["light"] and facets.avoid_moods == ["violent"]
    assert facets.phrases["avoid_mood:violent"] == "nothing too violent"
    assert facets.text is None  # "something", "for", "tonight" ask for nothing
    # the negation ends at "but": comedy is wanted, horror is not
    assert parse("no horror, but a comedy would be great", vocabulary)["genres"] == ["Comedy"]
    assert parse("no horror but a comedy", vocabulary)["exclude_genres"] == ["Horror"]
    assert parse("nothing but comedies", vocabulary) == {"genres": ["Comedy"]}
    assert parse("a non-violent film", vocabulary)["avoid_moods"] == ["violent"]
    assert parse("a gore-free horror movie", vocabulary)["genres"] == ["Horror"]
    assert parse("anything except animation or kids stuff", vocabulary) == {
        "exclude_genres": ["Animation"], "avoid_audiences": ["kids"]
    }  # fmt: skip
    assert parse("I don't want anything sad", vocabulary) == {"avoid_moods": ["sad"]}


def test_genres_audiences_and_alternatives(vocabulary) -> None:
    assert parse("a romantic comedy", vocabulary) == {"genres": ["Romance", "Comedy"]}
    assert parse("some sci fi", vocabulary) == {"genres": ["Sci-Fi"]}
    assert parse("a comedy or a western", vocabulary) == {"any_genres": ["Comedy", "Western"]}
    assert parse("what can I watch with my 7 year old daughter?", vocabulary) == {"audience": "kids"}
    assert parse("a date night movie", vocabulary) == {"audience": "date"}
    assert parse("an animated film for adults, not for kids", vocabulary)["avoid_audiences"] == ["kids"]
    expected = {"genres": ["Comedy"], "avoid_audiences": ["kids"]}
    assert parse("a comedy, but nothing too childish", vocabulary) == expected


def test_eras_from_the_catalogs_own_years(vocabulary) -> None:
    assert parse("an 80s movie", vocabulary) == {"year_min": 1980, "year_max": 1989}
    assert parse("a war movie from the 60s or 70s", vocabulary)["year_min"] == 1960
    assert parse("a war movie from the 60s or 70s", vocabulary)["year_max"] == 1979
    assert parse("made before 1990", vocabulary) == {"year_max": 1989}
    assert parse("released after 2010", vocabulary) == {"year_min": 2011}
    assert parse("from the early nineties", vocabulary) == {"year_min": 1990, "year_max": 1993}
    newest = vocabulary.newest_year
    assert parse("a recent film", vocabulary) == {"year_min": newest - 5}
    assert parse("an old film", vocabulary)["year_max"] == vocabulary.year_quantiles[10]


def test_titles_are_named_only_after_a_cue(vocabulary) -> None:
    assert parse("something like Toy Parade", vocabulary) == {"similar_to": ["Toy Parade (1996)"]}
    assert parse("I loved The Cellar, what else?", vocabulary)["similar_to"] == ["The Cellar (2010)"]
    assert parse("movies similar to the cellar", vocabulary)["similar_to"] == ["The Cellar (2010)"]
    assert "similar_to" not in parse("I'd like a comedy", vocabulary)
    # a request word that is also a title word is not a title: "scary" is a mood here
    facets = parse_request("something scary", vocabulary)
    assert facets.moods == ["scary"] and facets.similar_to == []
    assert title_keys("Matrix, The (1999)") == ["the matrix", "matrix"]
    assert "amelie" in title_keys("Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)")


def test_topics_from_catalog_tags_stay_free_text(vocabulary) -> None:
    facets = parse_request("a movie about space", vocabulary)
    assert facets.tags == ["space"] and facets.text == "space"
    assert parse_request("a zombie flick about robots", vocabulary).tags == ["robots"]


def test_running_time_is_noted_when_the_catalog_has_none(vocabulary) -> None:
    facets = parse_request("a comedy under 2 hours", vocabulary)
    assert facets.genres == ["Comedy"] and facets.max_minutes is None
    assert "no running times" in facets.notes[0]
    timed = [make_item("a", "Short One (2000)", genres=["Comedy"], attributes={"runtime": 85}),
             make_item("b", "Long One (2001)", genres=["Comedy"], attributes={"runtime": 170})]  # fmt: skip
    with_runtimes = build_vocabulary(CatalogIndex(timed, np.zeros((2, 4), dtype=np.float32)))
    assert parse_request("a comedy under 2 hours", with_runtimes).max_minutes == 120
    assert parse_request("something short", with_runtimes).max_minutes == 100
    assert parse_request("something light after a long day", with_runtimes).min_minutes is None


def test_vocabulary_comes_from_each_catalogs_own_labels(tmp_path: Path) -> None:
    """A books catalog names its genres differently: moods and audiences resolve to its labels."""
    books = [
        make_item("b1", "The Giggling Goose", genres=["Humor", "Children's"], tags=["funny"]),
        make_item("b2", "Night Terrors", genres=["Horror"], tags=["creepy"]),
        make_item("b3", "Rockets", genres=["Science Fiction"], tags=["space"]),
        make_item("b4", "Poems of Rain", genres=["Poetry"], tags=["funny"]),
    ]
    vocabulary = build_vocabulary(CatalogIndex(books, np.zeros((4, 4), dtype=np.float32)))
    assert vocabulary.moods["light"].want == ("Humor", "Children's")
    assert vocabulary.audiences["kids"].want == ("Children's",)
    assert vocabulary.moods["light"].tags == frozenset({"funny"})
    assert parse("some sci-fi", vocabulary) == {"genres": ["Science Fiction"]}
    assert parse("a book of poems", vocabulary) == {"genres": ["Poetry"]}
    assert vocabulary.canonical_genre("childrens") == ("Children's",)
    assert vocabulary.moods["mind-bending"].want == ("Science Fiction",)  # no thriller or mystery here


def test_a_genre_word_before_movies_is_the_genre_not_a_film_of_that_name() -> None:
    items = [
        make_item("w1", "War (2007)", genres=["Action", "War"]),
        make_item("w2", "Trench Lines (1970)", genres=["Drama", "War"]),
        make_item("w3", "Harbor Lights (1999)", genres=["Romance"]),
    ]
    vocabulary = build_vocabulary(CatalogIndex(items, np.zeros((3, 4), dtype=np.float32)))
    facets = parse_request("I'm a big fan of war movies", vocabulary)
    assert facets.genres == ["War"] and facets.similar_to == []
    assert parse_request("I'm a big fan of War, what else?", vocabulary).similar_to == ["War (2007)"]
