"""Ranking functions on arrays: filters, top-k, item-kNN, EASE signals, recency, MMR, LLM rerank."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from memory.errors import InvalidInputError
from tests.scripted_model import ScriptedModel
from tools.catalog import CatalogIndex
from tools.ease import EASE
from tools.items import make_item
from tools.pipeline import RankingConfig, history_signals, item_signals
from tools.ranking import (
    UserProfile,
    collab_weights,
    mmr,
    preference_scores,
    recency_weights,
    standardize,
    standardize_rows,
)
from tools.rerank import llm_rerank
from tools.retrieval import Filters, ItemKNN, filter_mask, top_positions


def tiny_index() -> CatalogIndex:
    items = [
        make_item("a", "Alpha (1990)", genres=["Drama"]),
        make_item("b", "Beta (2000)", genres=["Comedy"]),
        make_item("c", "Gamma", genres=["Comedy", "Drama"]),
        make_item("d", "Delta (2010)", genres=["Horror"]),
    ]
    vectors = np.array([[1, 0, 0], [0.8, 0.6, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
    return CatalogIndex(items, vectors)


def test_filters_and_top_positions() -> None:
    index = tiny_index()
    assert filter_mask(index, Filters(genres=["comedy"])).tolist() == [False, True, True, False]
    assert filter_mask(index, Filters(year_min=1995)).tolist() == [False, True, False, True]  # unknown year fails
    assert filter_mask(index, None, seen=[0, 3]).tolist() == [False, True, True, False]
    assert filter_mask(index, Filters(include_seen=True), seen=[0]).all()
    scores = np.array([0.1, 0.9, 0.5, 0.7])
    assert top_positions(scores, np.ones(4, bool), 2).tolist() == [1, 3]
    assert top_positions(scores, np.array([True, False, True, False]), 5).tolist() == [2, 0]
    with pytest.raises(InvalidInputError):
        top_positions(scores, np.ones(4, bool), 0)


def test_itemknn_is_cosine_of_co_occurrence() -> None:
    matrix = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1]], dtype=np.float32))
    knn = ItemKNN.fit(matrix)
    similarity = knn.similarity.toarray()
    assert similarity[0, 1] == pytest.approx(2 / np.sqrt(3 * 2))
    assert similarity[1, 2] == 0 and similarity[0, 0] == 0
    assert knn.counts.tolist() == [3, 2, 1]
    assert knn.scores([1]).argmax() == 0


def test_recency_and_preference_scores() -> None:
    assert recency_weights(3, 1.0).tolist() == [0.25, 0.5, 1.0]
    index = tiny_index()
    liked_old_then_new = UserProfile(positions=np.array([0, 2]), polarity=np.array([1.0, 1.0]))
    scores = preference_scores(index.embeddings, liked_old_then_new, half_life=0.5)
    assert scores[2] > scores[0]  # the newer like weighs more
    with_dislike = UserProfile(positions=np.array([1, 3]), polarity=np.array([1.0, -1.0]))
    assert preference_scores(index.embeddings, with_dislike)[3] < 0


def test_mmr_trades_relevance_for_diversity() -> None:
    vectors = np.array([[1, 0], [0.99, 0.14], [0, 1]], dtype=np.float32)
    relevance = np.array([1.0, 0.95, 0.5])
    assert mmr([0, 1, 2], relevance, vectors, 2, diversity=0.0) == [0, 1]
    assert mmr([0, 1, 2], relevance, vectors, 2, diversity=0.5) == [0, 2]


def test_llm_rerank_uses_a_capable_model_and_distrusts_its_numbers() -> None:
    items = [make_item(str(n), f"Movie {n}") for n in range(4)]
    capable = ScriptedModel(json_replies=['{"order": [3, 9, 3, 1]}'], supports_tools=True)
    assert llm_rerank(capable, items, profile=["liked Movie 2"], query="fun") == [2, 0, 1, 3]
    prompt = capable.calls[0][1][0][0].content
    assert "Movie 2" in prompt and "fun" in prompt
    local = ScriptedModel(json_replies=['{"order": [4, 3, 2, 1]}'], supports_tools=False)
    assert llm_rerank(local, items) == [0, 1, 2, 3] and local.calls == []
    broken = ScriptedModel(json_replies=["not json"], supports_tools=True)
    assert llm_rerank(broken, items) == [0, 1, 2, 3]


def test_many_users_at_once_score_exactly_as_one_at_a_time() -> None:
    """The tuner scores all validation users in one pass; it must rank as ``rank_items`` does for each."""
    rng = np.random.default_rng(3)
    n = 30
    items = [make_item(str(i), f"Film {i}", genres=["Drama" if i % 2 else "Comedy"]) for i in range(n)]
    vectors = rng.normal(size=(n, 8)).astype(np.float32)
    index = CatalogIndex(items, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    matrix = sp.csr_matrix((rng.random((40, n)) < 0.25).astype(np.float32))
    knn, ease = ItemKNN.fit(matrix), EASE.fit(matrix, l2=3.0, min_count=2)
    profiles = [
        UserProfile(positions=rng.choice(n, size=size, replace=False), polarity=rng.uniform(-1, 1, size))
        for size in (0, 1, 4, 9)
    ]
    config = RankingConfig(half_life=2.0, like_gain=1.0, ease_weight=1.0, cf_weight=0.3, content_weight=0.5)
    many = history_signals(index, profiles, config, knn=knn, ease=ease)
    masks = np.stack([filter_mask(index, None, p.positions) for p in profiles])
    for row, profile in enumerate(profiles):
        one = item_signals(index, profile, config, knn=knn, ease=ease)
        assert np.allclose(many["ease"][row], one.ease, atol=1e-5)
        assert np.allclose(many["cf"][row], one.cf, atol=1e-5)
        assert np.allclose(many["content"][row], one.content, atol=1e-5)
        assert np.allclose(standardize_rows(many["ease"], masks)[row], standardize(one.ease, masks[row]))
    with_prefs = UserProfile(positions=np.array([1, 2]), polarity=np.array([1.0, 1.0]),
                             preference_vectors=index.embeddings[[5]], preference_signs=np.array([1.0]))  # fmt: skip
    assert np.allclose(
        item_signals(index, with_prefs, config).content,
        history_signals(index, [with_prefs], config)["content"][0] + index.embeddings @ index.embeddings[5],
        atol=1e-5,
    )


def test_collab_weights_follow_recency_and_rating() -> None:
    profile = UserProfile(positions=np.array([0, 1, 2]), polarity=np.array([1.0, -1.0, 0.0]))
    assert collab_weights(profile, 1.0, 0.0, 0.5).tolist() == [0.25 * 1.5, 0.5 * 0.5, 1.0]
    assert collab_weights(profile, 1.0, 0.4, 2.0).tolist() == [0.4 * 3.0, 0.0, 1.0]  # floored recency, no negatives
