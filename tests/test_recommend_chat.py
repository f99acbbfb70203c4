"""Recommendations through the assistant: the tools run from chat, constraints hold, reasons are cited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent import Assistant, Settings
from tools.interactions import Interaction, read_ratings, record_interactions
from tools.items import load_movielens_items
from tools.recommend import default_knn_path, knn_from_store

from .recsys_data import THEMES, theme_of, write_movielens
from .scripted_model import ScriptedModel


@pytest.fixture
def assistant(tmp_path, embedder):
    yield from assistant_with_catalog(tmp_path, ScriptedModel(default_reply="Here is what I found."))


def assistant_with_catalog(tmp_path, model):
    settings = Settings(data_dir=tmp_path / "data")
    folder = write_movielens(tmp_path / "ml")
    with Assistant.open(settings, chat_model=model) as opened:
        catalog = opened.recommender.catalog
        catalog.load(load_movielens_items(folder).items)
        for user, interactions in read_ratings(folder).by_user.items():
            record_interactions(opened.store, catalog.index(), user, interactions)
        knn_from_store(opened.store, catalog.index()).save(default_knn_path(settings), catalog.index().ids)
        yield opened


def liked(assistant: Assistant, user_id: str, theme: str) -> None:
    ids = [item.id for item in assistant.recommender.index.items if theme_of(item.id) == theme][:3]
    start = datetime(2021, 5, 1, tzinfo=UTC)
    interactions = [Interaction(item_id=i, rating=5.0, timestamp=start + timedelta(days=n)) for n, i in enumerate(ids)]
    record_interactions(assistant.store, assistant.recommender.index, user_id, interactions)


def test_chat_recommendation_respects_the_constraint_and_cites_reasons(assistant) -> None:
    liked(assistant, "mia", "space")
    reply = assistant.chat("mia", "Recommend me something for tonight, nothing scary, no horror please")
    (call,) = reply.tool_calls
    assert call["name"] == "recommend" and call["result"]
    assert not any(theme_of(pick["item_id"]) == "horror" for pick in call["result"])
    assert "here are some picks" in reply.text.lower()
    first = call["result"][0]
    assert f"1. {first['title']}: {first['reason']}" in reply.text and first["reason"]


def test_a_dislike_stated_in_chat_changes_the_next_recommendations(assistant) -> None:
    liked(assistant, "leo", "kids")
    liked(assistant, "leo", "romance")

    def romance_count() -> int:
        return sum(theme_of(r.item.id) == "romance" for r in assistant.recommend("leo", k=6))

    before = romance_count()
    assistant.chat("leo", "I hate romantic movies, love stories bore me.")
    assert before >= 2 and romance_count() < before


def test_without_a_catalog_the_recommend_tool_is_not_offered(tmp_path, embedder) -> None:
    with Assistant.open(Settings(data_dir=tmp_path / "empty"), chat_model=ScriptedModel()) as bare:
        reply = bare.chat("mia", "Can you recommend a film?")
        assert reply.tool_calls == []
        with pytest.raises(Exception, match="rapport catalog load"):
            bare.recommend("mia")
    assert set(THEMES) >= {"horror", "romance"}


@pytest.mark.slow
def test_recommendation_chat_on_the_local_model(tmp_path, embedder, local_model) -> None:
    for assistant in assistant_with_catalog(tmp_path, local_model):
        liked(assistant, "ana", "kids")
        reply = assistant.chat("ana", "Can you recommend a movie for tonight? Nothing scary.")
        (call,) = reply.tool_calls
        assert call["name"] == "recommend" and not any(theme_of(p["item_id"]) == "horror" for p in call["result"])
        assert reply.text.split("Picks for you:")[0].strip()  # the model's own words come first
        assert call["result"][0]["title"] in reply.text
