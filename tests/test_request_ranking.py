"""Requests in words through the Recommender: facets hold, meaning beats title words, quality and taste both count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import tools.recommend_tools  # noqa: F401 - registers the recsys agent tools
from memory import MemoryStore
from memory.errors import InvalidInputError, RapportError
from tools.catalog import Catalog
from tools.context import ToolContext
from tools.interactions import Interaction, read_ratings, record_interactions
from tools.items import load_movielens_items
from tools.recommend import Recommender, knn_from_store
from tools.registry import TOOLS

from .request_data import write_request_movielens


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, embedder):
    root = tmp_path_factory.mktemp("requests")
    folder = write_request_movielens(root / "ml")
    store = MemoryStore(path=root / "chroma", embedder=embedder)
    catalog = Catalog(path=root / "chroma", embedder=embedder)
    catalog.load(load_movielens_items(folder).items)
    for user, interactions in read_ratings(folder).by_user.items():
        record_interactions(store, catalog.index(), user, interactions)
    knn = knn_from_store(store, catalog.index())
    recommender = Recommender(store, catalog, knn=knn, knn_path=root / "recsys" / "itemknn.npz")
    return store, catalog, recommender


def genres_of(picks) -> list[set[str]]:
    return [set(p.item.genres) for p in picks]


def test_light_and_not_violent_hold_with_reasons_in_the_requests_words(world) -> None:
    _, _, recommender = world
    picks = recommender.recommend("newcomer", query="something light for tonight, nothing too violent", k=5)
    assert len(picks) == 5
    for genres in genres_of(picks):
        assert genres & {"Comedy", "Animation", "Children"}
        assert not genres & {"Action", "War", "Crime", "Horror", "Thriller"}
    assert "Light Brigade (1990)" not in [p.item.title for p in picks]  # a war film, whatever its title says
    first = picks[0]
    assert first.reason.startswith("Light: ")
    assert "nothing too violent: no action, war or crime" in first.reason
    assert any(f.startswith("light: ") for f in first.facets)
    assert "rated " in first.reason and "/5 by " in first.reason


def test_the_quality_prior_puts_well_rated_items_first(world) -> None:
    _, _, recommender = world
    titles = [p.item.title for p in recommender.recommend("newcomer", query="a comedy", k=9)]
    assert titles.index("Sunny Days (1995)") < titles.index("Laugh Factory (1999)")
    assert titles[0] != "Laugh Factory (1999)"


def test_users_with_different_tastes_get_different_lists_within_the_facets(world) -> None:
    store, catalog, recommender = world
    start = datetime(2022, 1, 1, tzinfo=UTC)
    for user, liked in (("kid-fan", ["14", "15", "17"]), ("romcom-fan", ["12", "62", "61"])):
        interactions = [Interaction(item_id=i, rating=5.0, timestamp=start + timedelta(days=n))
                        for n, i in enumerate(liked)]  # fmt: skip
        record_interactions(store, catalog.index(), user, interactions)
    recommender._knn = knn_from_store(store, catalog.index())
    lists = {}
    for user in ("kid-fan", "romcom-fan", "newcomer"):
        picks = recommender.recommend(user, query="a funny movie", k=3)
        assert all("Comedy" in genres for genres in genres_of(picks))
        lists[user] = [p.item.id for p in picks]
    assert lists["kid-fan"] != lists["romcom-fan"]
    kid_first = recommender.recommend("kid-fan", query="a funny movie", k=3)
    assert any("because you liked" in p.reason for p in kid_first)


def test_a_named_title_is_matched_and_never_returned(world) -> None:
    _, _, recommender = world
    picks = recommender.recommend("newcomer", query="something like Toy Parade", k=3)
    titles = [p.item.title for p in picks]
    assert "Toy Parade (1996)" not in titles
    assert all(genres & {"Animation", "Children"} for genres in genres_of(picks))
    assert picks[0].reason.startswith("Like Toy Parade: ")


def test_free_text_is_matched_on_meaning_not_title_words(world) -> None:
    _, _, recommender = world
    picks = recommender.recommend("newcomer", query="a movie about space", k=2)
    assert {p.item.title for p in picks} == {"Star Freight (1982)", "Orbit (2016)"}
    assert "space: tagged “space”" in picks[0].facets and picks[0].reason.startswith("Space: ")


def test_an_impossible_combination_is_loosened_and_said(world) -> None:
    _, _, recommender = world
    picks = recommender.recommend("newcomer", query="a western documentary from the 50s", k=2)
    assert picks and all(p.item.year is not None and 1950 <= p.item.year <= 1959 for p in picks)
    assert "few items fit everything" in picks[0].reason


def test_a_tool_calling_model_fills_the_facets_through_the_schema(world) -> None:
    store, _, recommender = world
    context = ToolContext(user_id="newcomer", store=store, recommender=recommender)
    schema = TOOLS["recommend"].schema()["function"]["parameters"]["properties"]
    assert "light" in str(schema["moods"]) and "kids" in str(schema["audience"])
    picks = TOOLS["recommend"].call(context, {"moods": ["scary"], "exclude_genres": ["thriller"], "k": 3})
    assert picks and all("Horror" in p["genres"] and "Thriller" not in p["genres"] for p in picks)
    assert all(any(f.startswith("scary: ") for f in p["facets"]) for p in picks)
    # the model's facets win over the parser's reading of the same words
    picks = TOOLS["recommend"].call(context, {"query": "a comedy", "genres": ["Drama"], "k": 3})
    assert all("Drama" in p["genres"] for p in picks)
    with pytest.raises(RapportError, match="moods"):
        TOOLS["recommend"].call(context, {"moods": ["grumpy"]})
    with pytest.raises(InvalidInputError, match="facets.audience"):
        recommender.recommend("newcomer", facets={"audience": "aliens"})

