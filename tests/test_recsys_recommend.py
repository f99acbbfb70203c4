"""Recommender over a small real catalog and memory store: filters, no rated items, cold start, reasons, dislikes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import tools.recommend_tools  # noqa: F401 - registers the recsys agent tools
from memory import MemoryStore
from memory.errors import InvalidInputError, NotFoundError
from tests.recsys_data import theme_of, write_movielens
from tools.catalog import Catalog
from tools.context import ToolContext
from tools.interactions import Interaction, read_ratings, record_interactions, user_interactions
from tools.items import load_movielens_items
from tools.recommend import Recommender, knn_from_store
from tools.registry import TOOLS


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, embedder):
    """A 24-movie catalog, 40 MovieLens-style users as memories, and the co-occurrence model built from them."""
    folder = write_movielens(tmp_path_factory.mktemp("ml") / "ml")
    root = tmp_path_factory.mktemp("store")
    store = MemoryStore(path=root / "chroma", embedder=embedder)
    catalog = Catalog(path=root / "chroma", embedder=embedder)
    catalog.load(load_movielens_items(folder).items)
    index = catalog.index()
    for user, interactions in read_ratings(folder).by_user.items():
        record_interactions(store, index, user, interactions)
    return store, catalog, knn_from_store(store, index)


def ids_of(theme: str, catalog: Catalog) -> list[str]:
    return [item.id for item in catalog.index().items if theme_of(item.id) == theme]


def fresh_user(store: MemoryStore, catalog: Catalog, name: str, liked: list[str], disliked: list[str] = ()) -> str:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    interactions = [Interaction(item_id=i, rating=1.0, timestamp=start) for i in disliked] + [
        Interaction(item_id=i, rating=5.0, timestamp=start + timedelta(days=n + 1)) for n, i in enumerate(liked)
    ]
    record_interactions(store, catalog.index(), name, interactions)
    return name


def test_interactions_are_memories_the_store_recalls(world) -> None:
    store, catalog, _ = world
    user = fresh_user(store, catalog, "recall-user", ids_of("space", catalog)[:2])
    assert [i.item_id for i in user_interactions(store, user)] == ids_of("space", catalog)[:2]
    hits = store.search(user, "which space movies did I rate?", k=2, kinds=["interaction"])
    assert hits and hits[0].memory.text.startswith("rated ") and "/5" in hits[0].memory.text


def test_follows_taste_and_never_recommends_rated_items(world) -> None:
    store, catalog, knn = world
    liked = ids_of("space", catalog)[:3]
    user = fresh_user(store, catalog, "space-fan", liked)
    picks = Recommender(store, catalog, knn=knn).recommend(user, k=3)
    assert len(picks) == 3
    assert not {p.item.id for p in picks} & set(liked)
    assert all(theme_of(p.item.id) == "space" for p in picks)
    again = Recommender(store, catalog, knn=knn).recommend(user, k=24, include_rated=True)
    assert set(liked) <= {p.item.id for p in again}


def test_reasons_cite_the_users_own_memories(world) -> None:
    store, catalog, knn = world
    liked = ids_of("romance", catalog)[:2]
    user = fresh_user(store, catalog, "romantic", liked)
    store.add(user, "I love romantic dramas set in Paris", kind="preference")
    titles = {catalog.get(i).title for i in liked}
    picks = Recommender(store, catalog, knn=knn).recommend(user, k=3)
    own_texts = {m.text for m in store.list(user, limit=100)}
    for pick in picks:
        assert any(title in pick.reason for title in titles)
        assert pick.evidence and set(pick.evidence) <= own_texts
    assert any("romantic dramas set in Paris" in p.reason for p in picks)


def test_filters_are_hard_constraints(world) -> None:
    store, catalog, knn = world
    user = fresh_user(store, catalog, "filter-user", ids_of("horror", catalog)[:2])
    recommender = Recommender(store, catalog, knn=knn)
    picks = recommender.recommend(user, k=5, filters={"genres": ["animation"]})
    assert picks and all("Animation" in p.item.genres for p in picks)
    picks = recommender.recommend(user, k=10, filters={"exclude_genres": ["Horror"], "year_min": 1990})
    assert picks and all("Horror" not in p.item.genres and p.item.year >= 1990 for p in picks)
    assert recommender.recommend(user, k=5, filters={"year_min": 2100}) == []
    with pytest.raises(InvalidInputError):
        recommender.recommend(user, k=5, filters={"year_min": 2000, "year_max": 1990})


def test_a_dislike_changes_the_ranking(world) -> None:
    store, catalog, knn = world
    recommender = Recommender(store, catalog, knn=knn)
    user = "changing-mind"
    store.add(user, "I enjoy scary movies and animated films for kids", kind="preference")
    before = [p.item.id for p in recommender.recommend(user, k=6)]
    assert any(theme_of(i) == "horror" for i in before)
    store.add(user, "I hate horror, nothing scary please", kind="preference")
    after = [p.item.id for p in recommender.recommend(user, k=6)]
    assert after != before
    assert sum(theme_of(i) == "horror" for i in after) < sum(theme_of(i) == "horror" for i in before)


def test_a_disliked_item_pushes_similar_items_down(world) -> None:
    store, catalog, knn = world
    recommender = Recommender(store, catalog, knn=knn)
    kids = ids_of("kids", catalog)
    fresh_user(store, catalog, "kid-a", kids[:2])
    fresh_user(store, catalog, "kid-b", kids[:2], disliked=ids_of("horror", catalog)[:1])
    scores_a = {p.item.id: p.score for p in recommender.recommend("kid-a", k=22)}
    scores_b = {p.item.id: p.score for p in recommender.recommend("kid-b", k=22)}
    horror = [i for i in ids_of("horror", catalog)[1:]]
    assert sum(scores_b[i] for i in horror) < sum(scores_a[i] for i in horror)


def test_cold_start_is_popular_and_diverse_and_a_query_alone_works(world) -> None:
    store, catalog, knn = world
    recommender = Recommender(store, catalog, knn=knn)
    picks = recommender.recommend("nobody-yet", k=4)
    assert len(picks) == 4 and len({theme_of(p.item.id) for p in picks}) >= 3
    assert all("popular" in p.reason and p.evidence == [] for p in picks)
    with pytest.raises(NotFoundError):
        recommender.recommend("nobody-yet", k=4, known_user=True)
    picks = recommender.recommend("nobody-yet", query="cute animated cartoon for children", k=3)
    assert all(theme_of(p.item.id) == "kids" for p in picks)
    assert "for kids: children" in picks[0].reason and "animation" in picks[0].facets  # the request's facets


def test_query_negation_pushes_away(world) -> None:
    store, catalog, knn = world
    recommender = Recommender(store, catalog, knn=knn)
    picks = recommender.recommend("nobody-yet", query="something for tonight, nothing scary or horror", k=6)
    assert not any(theme_of(p.item.id) == "horror" for p in picks)


def test_bad_input_is_a_clear_error(world) -> None:
    store, catalog, knn = world
    recommender = Recommender(store, catalog, knn=knn)
    for k in (0, -3, 1000):
        with pytest.raises(InvalidInputError, match="k"):
            recommender.recommend("anyone", k=k)
    with pytest.raises(NotFoundError, match="no-such-movie"):
        record_interactions(store, catalog.index(), "someone", [Interaction(item_id="no-such-movie", rating=4)])
    written, skipped = record_interactions(
        store, catalog.index(), "someone", [Interaction(item_id="no-such-movie", rating=4)], skip_unknown=True
    )
    assert (written, skipped) == (0, 1)
    with pytest.raises(InvalidInputError, match="user_id"):
        recommender.recommend(" spaced ", k=3)


def test_agent_tools_are_registered_and_scoped_to_the_context_user(world) -> None:
    store, catalog, knn = world
    recommender = Recommender(store, catalog, knn=knn)
    user = fresh_user(store, catalog, "tool-user", ids_of("space", catalog)[:2])
    context = ToolContext(user_id=user, store=store, recommender=recommender)
    assert {"recommend", "search_catalog", "record_interaction"} <= set(TOOLS)
    assert TOOLS["recommend"].schema()["function"]["parameters"]["properties"]["k"]["maximum"] == 20
    picks = TOOLS["recommend"].call(context, {"k": 2, "exclude_genres": ["Sci-Fi"]})
    assert len(picks) == 2 and all("Sci-Fi" not in p["genres"] for p in picks)
    found = TOOLS["search_catalog"].call(context, {"query": "zombies", "k": 1})
    assert found[0]["title"].startswith("Zombie Night")
    TOOLS["record_interaction"].call(context, {"item_id": found[0]["item_id"], "action": "disliked"})
    assert user_interactions(store, user)[-1].action == "disliked"
    with pytest.raises(InvalidInputError):
        TOOLS["recommend"].call(context, {"k": 0})


def test_a_stated_genre_taste_steers_a_bare_request_and_is_cited(world) -> None:
    store, catalog, knn = world
    recommender = Recommender(store, catalog, knn=knn)
    store.add("sf-talker", "I mostly watch science fiction", kind="fact")
    picks = recommender.recommend("sf-talker", k=5)
    assert sum(theme_of(p.item.id) == "space" for p in picks) >= 4
    assert "you mostly watch science fiction" in picks[0].reason
    assert picks[0].evidence == ["I mostly watch science fiction"]
    # the request's own words decide: a romance asked for outright is a romance
    asked = recommender.recommend("sf-talker", query="a romantic movie", k=3)
    assert all(theme_of(p.item.id) == "romance" for p in asked)


def test_stated_dislikes_hold_and_someone_elses_taste_does_not_steer(world) -> None:
    store, catalog, knn = world
    recommender = Recommender(store, catalog, knn=knn)
    before = [theme_of(p.item.id) for p in recommender.recommend("bored-user", k=6)]
    store.add("bored-user", "Horror films bore me", kind="fact")
    store.add("bored-user", "My son loves cartoons", kind="preference")
    taste = recommender.taste("bored-user")
    assert list(taste.disliked) == ["Horror"] and not taste.liked
    after = [theme_of(p.item.id) for p in recommender.recommend("bored-user", k=6)]
    assert "horror" in before and "horror" not in after
    asked = recommender.recommend("bored-user", query="a horror film", k=2)  # asked outright: allowed
    assert all(theme_of(p.item.id) == "horror" for p in asked)


def test_a_later_statement_overrides_an_earlier_taste(world) -> None:
    store, catalog, knn = world
    recommender = Recommender(store, catalog, knn=knn)
    store.add("turned-user", "I love horror movies", kind="preference")
    assert list(recommender.taste("turned-user").liked) == ["Horror"]
    store.add("turned-user", "I'm not into horror anymore", kind="preference")
    taste = recommender.taste("turned-user")
    assert "Horror" not in taste.liked and "Horror" in taste.disliked
