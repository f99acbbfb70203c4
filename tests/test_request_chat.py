"""A request in words through the whole assistant: the deterministic planner routes it, the parser reads it."""

from __future__ import annotations

import pytest

from agent import Assistant, Settings
from tools.interactions import read_ratings, record_interactions
from tools.items import load_movielens_items

from .request_data import write_request_movielens
from .scripted_model import ScriptedModel

LIGHT = {"Comedy", "Animation", "Children"}
DARK_OR_VIOLENT = {"Horror", "War", "Thriller", "Crime", "Action"}


def open_with_catalog(tmp_path, model):
    settings = Settings(data_dir=tmp_path / "data")
    folder = write_request_movielens(tmp_path / "ml")
    assistant = Assistant.open(settings, chat_model=model)
    catalog = assistant.recommender.catalog
    catalog.load(load_movielens_items(folder).items)
    for user, interactions in read_ratings(folder).by_user.items():
        record_interactions(assistant.store, catalog.index(), user, interactions)
    return assistant


def check_light_picks(reply) -> None:
    (call,) = reply.tool_calls
    assert call["name"] == "recommend" and call["result"]
    for pick in call["result"]:
        assert set(pick["genres"]) & LIGHT and not set(pick["genres"]) & DARK_OR_VIOLENT
        assert any(facet.startswith("light: ") for facet in pick["facets"])
    first = call["result"][0]
    assert first["title"] in reply.text and first["reason"] in reply.text


def test_light_for_tonight_in_chat(tmp_path, embedder) -> None:
    with open_with_catalog(tmp_path, ScriptedModel(default_reply="Here are a few ideas.")) as assistant:
        check_light_picks(assistant.chat("guest", "recommend me something light for tonight, nothing too violent"))


@pytest.mark.slow
def test_light_for_tonight_on_the_embedded_model(tmp_path, embedder, local_model) -> None:
    with open_with_catalog(tmp_path, local_model) as assistant:
        reply = assistant.chat("guest", "recommend me something light for tonight")
        check_light_picks(reply)
