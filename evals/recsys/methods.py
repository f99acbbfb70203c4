"""The methods ``rapport eval recsys`` compares, each fitted on one split's training data only.

- ``popularity``: interaction count; ``itemknn``: cosine on the binary matrix, whole history;
  ``content``: MiniLM cosine to the centroid of the liked items;
- ``ease``: EASE on the binary history (its ``l2`` chosen on validation);
- ``sasrec``: the sequential transformer (its epochs chosen on validation);
- ``rapport``: ``tools.pipeline.rank_items``, the ranking ``Recommender`` serves, with the tuned
  configuration, fed only the training interactions.
With a query (the held-out item's genres, a synthetic request), ``rapport`` also gets the request;
``ease+genres`` is EASE kept to items of those genres, ``query`` the request's cosine alone.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tools.catalog import CatalogIndex
from tools.collab import CollabConfig
from tools.ease import EASE
from tools.pipeline import RankingConfig, history_profile, rank_items
from tools.ranking import preference_scores
from tools.retrieval import Filters, ItemKNN, dense_scores, filter_mask, interaction_matrix, top_positions

from .data import Split, TestCase
from .sasrec import SASRec, SASRecConfig

BASELINES = ("popularity", "itemknn", "content", "ease", "sasrec")
QUERY_METHODS = ("rapport+query", "ease+genres", "query")
Rank = Callable[[TestCase, int, "np.ndarray | None"], list[int]]


@dataclass
class Method:
    name: str
    rank: Rank
    fit_s: float = 0.0
    note: str = ""


def positions(index: CatalogIndex, case: TestCase) -> np.ndarray:
    return history_profile(index, case.train)[0].positions


def fit_ease(split: Split, index: CatalogIndex, l2: float, collab: CollabConfig) -> tuple[EASE, float]:
    started = time.perf_counter()
    matrix = interaction_matrix(index, split.train_by_user)
    model = EASE.fit(matrix, l2=l2, min_count=collab.min_count, max_items=collab.max_items)
    return model, time.perf_counter() - started


def histories(split: Split, index: CatalogIndex) -> list[list[int]]:
    """Every user's training history as catalog positions, oldest first (what SASRec reads)."""
    return [[index.position[i.item_id] for i in rows if i.item_id in index.position]
            for rows in split.train_by_user.values()]  # fmt: skip


def fit_sasrec(
    split: Split, index: CatalogIndex, config: SASRecConfig, epochs: int, cache: Path | None = None
) -> tuple[SASRec, float]:
    """Train (or load from ``cache``, keyed by the data and the settings); returns the model and its fit time."""
    data = histories(split, index)
    key = hashlib.sha1(json.dumps([config.model_dump(), epochs, data]).encode()).hexdigest()[:16]
    path = cache / f"sasrec-{split.name}-{key}.pt" if cache is not None else None
    if path is not None and path.is_file():
        model, fit_s = SASRec.load(path, len(index))
        return model, fit_s
    started = time.perf_counter()
    model = SASRec.fit(data, len(index), config, epochs=epochs, desc=f"sasrec ({split.name})")
    fit_s = time.perf_counter() - started
    if path is not None:
        model.save(path, fit_s)
    return model, fit_s


def sasrec_ranker(model: SASRec, index: CatalogIndex, cases: list[TestCase]) -> Rank:
    """Scores every case in batches once, then answers from the cache."""
    cache: dict[str, np.ndarray] = {}

    def rank(case: TestCase, k: int, query: np.ndarray | None = None) -> list[int]:
        if case.user not in cache:
            histories = [positions(index, c) for c in cases]
            for c, scores in zip(cases, model.scores(histories), strict=True):
                cache[c.user] = scores
        seen = positions(index, case)
        return top_positions(cache[case.user], filter_mask(index, None, seen), k).tolist()

    return rank


def build_methods(
    split: Split,
    index: CatalogIndex,
    ranking: RankingConfig,
    collab: CollabConfig,
    baselines: dict,
    *,
    with_sasrec: bool = True,
    cache: Path | None = None,
) -> dict[str, Method]:
    """Every method, fitted on ``split``'s training data with the given (tuned) hyperparameters."""
    started = time.perf_counter()
    knn = ItemKNN.fit(interaction_matrix(index, split.train_by_user))
    knn_s = time.perf_counter() - started
    counts = knn.counts
    ease_l2 = float(baselines.get("ease_l2", collab.l2))
    ease, ease_s = fit_ease(split, index, ease_l2, collab)
    if math.isclose(ease_l2, collab.l2):
        rapport_ease, rapport_s = ease, ease_s
    else:
        rapport_ease, rapport_s = fit_ease(split, index, collab.l2, collab)

    def unseen(case: TestCase) -> tuple[np.ndarray, np.ndarray]:
        seen = positions(index, case)
        return seen, filter_mask(index, None, seen)

    def popularity(case: TestCase, k: int, query: np.ndarray | None = None) -> list[int]:
        return top_positions(counts, unseen(case)[1], k).tolist()

    def itemknn(case: TestCase, k: int, query: np.ndarray | None = None) -> list[int]:
        seen, mask = unseen(case)
        return top_positions(knn.scores(seen), mask, k).tolist()

    def content(case: TestCase, k: int, query: np.ndarray | None = None) -> list[int]:
        profile, _ = history_profile(index, case.train)
        scores = preference_scores(index.embeddings, profile, half_life=math.inf, dislike_weight=0.0)
        return top_positions(scores, filter_mask(index, None, profile.positions), k).tolist()

    def ease_rank(case: TestCase, k: int, query: np.ndarray | None = None) -> list[int]:
        seen, mask = unseen(case)
        return top_positions(ease.scores(seen), mask, k).tolist()

    def rapport(case: TestCase, k: int, query: np.ndarray | None = None) -> list[int]:
        profile, _ = history_profile(index, case.train)
        chosen, _, _ = rank_items(index, profile, k, config=ranking, knn=knn, popularity=counts, ease=rapport_ease)
        return chosen

    def rapport_query(case: TestCase, k: int, query: np.ndarray | None = None) -> list[int]:
        profile, _ = history_profile(index, case.train)
        chosen, _, _ = rank_items(index, profile, k, config=ranking, knn=knn, popularity=counts, ease=rapport_ease,
                                  query_vector=query)  # fmt: skip
        return chosen

    def ease_genres(case: TestCase, k: int, query: np.ndarray | None = None) -> list[int]:
        seen = positions(index, case)
        genres = index.items[index.position[case.held_out]].genres
        mask = filter_mask(index, Filters(genres=genres or None), seen)
        return top_positions(ease.scores(seen), mask, k).tolist()

    def query_only(case: TestCase, k: int, query: np.ndarray | None = None) -> list[int]:
        seen, mask = unseen(case)
        return top_positions(dense_scores(index, query), mask, k).tolist()

    methods = {
        "rapport": Method("rapport", rapport, knn_s + rapport_s, f"EASE l2 {collab.l2:g} + item-kNN, tuned blend"),
        "popularity": Method("popularity", popularity, knn_s),
        "itemknn": Method("itemknn", itemknn, knn_s),
        "content": Method("content", content, 0.0, "item vectors computed once (cached)"),
        "ease": Method("ease", ease_rank, ease_s, f"l2 {ease_l2:g}"),
    }
    if with_sasrec:
        sasrec_config = SASRecConfig.model_validate(baselines.get("sasrec", {}))
        epochs = int(baselines.get("sasrec_epochs", sasrec_config.epochs))
        model, sasrec_s = fit_sasrec(split, index, sasrec_config, epochs, cache)
        methods["sasrec"] = Method("sasrec", sasrec_ranker(model, index, split.cases), sasrec_s, f"{epochs} epochs")
    methods["rapport+query"] = Method("rapport+query", rapport_query, methods["rapport"].fit_s)
    methods["ease+genres"] = Method("ease+genres", ease_genres, ease_s, "EASE within the query's genres")
    methods["query"] = Method("query", query_only, 0.0, "cosine to the query alone")
    return methods
