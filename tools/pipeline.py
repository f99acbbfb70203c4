"""Rapport's ranking pipeline over arrays: one implementation for ``Recommender`` and the evaluation.

score = w_ease * z(EASE of the weighted history) + w_cf * z(item-kNN of the same history)
        + w_content * z(preference score) + w_pop * z(log popularity) + w_query * z(cosine to the query)
then hard filters, stated dislikes pushed down, the top candidates, and MMR for diversity. The
history is weighted by recency (a half-life in interactions) and by how much the user liked each item.

Every weight is chosen on a validation split (``rapport eval recsys --tune``, ``tools/tuned.py``); the
defaults below are only the fallback when no tuned file can be read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, Field

from .catalog import CatalogIndex
from .ease import EASE
from .interactions import Interaction
from .ranking import (
    UserProfile,
    avoidance,
    blend,
    collab_weights,
    history_content_scores,
    mmr,
    stated_preference_scores,
    weight_rows,
)
from .retrieval import Filters, ItemKNN, dense_scores, filter_mask, popularity_scores, top_positions


class RankingConfig(BaseModel):
    """Weights of the blended signals and the diversity step."""

    ease_weight: float = Field(default=1.0, description="EASE (item-to-item regression) on the weighted history.")
    cf_weight: float = Field(default=0.2, description="Item-kNN (cosine co-occurrence) on the weighted history.")
    like_gain: float = Field(default=0.5, ge=0, description="How much a rating scales a history item (0: not).")
    content_weight: float = 0.3
    popularity_weight: float = 0.3
    query_weight: float = 1.5
    half_life: float = Field(default=8.0, gt=0, description="Interactions after which a history item weighs half.")
    recency_floor: float = Field(default=0.02, ge=0, description="Least weight of an old history item.")
    dislike_weight: float = 0.5
    avoid_weight: float = Field(default=2.0, ge=0, description="Push-down of items matching a stated dislike.")
    candidates: int = Field(default=50, ge=1, description="How many top items MMR chooses from.")
    diversity: float = Field(default=0.2, ge=0, le=1, description="MMR trade-off; 0 keeps the score order.")
    cold_start_diversity: float = Field(default=0.4, ge=0, le=1)


@dataclass
class Signals:
    """The per-item signals that were blended (kept to explain each recommendation)."""

    cf: np.ndarray
    content: np.ndarray
    popularity: np.ndarray
    query: np.ndarray | None
    extra: dict[str, tuple[np.ndarray, float]] = field(default_factory=dict)  # (signal, weight), e.g. a request's
    ease: np.ndarray | None = None


def history_profile(
    index: CatalogIndex,
    interactions: list[Interaction],
    *,
    preference_vectors: np.ndarray | None = None,
    preference_signs: np.ndarray | None = None,
) -> tuple[UserProfile, list[Interaction]]:
    """A profile from interactions in time order: unknown items dropped, a later action on an item replaces
    the earlier one. Returns the profile and the interactions it kept, aligned with its positions."""
    latest: dict[str, Interaction] = {}
    for interaction in sorted(interactions, key=lambda i: i.timestamp):
        if interaction.item_id in index.position:
            latest.pop(interaction.item_id, None)
            latest[interaction.item_id] = interaction
    history = list(latest.values())
    dimension = index.embeddings.shape[1]
    profile = UserProfile(
        positions=np.array([index.position[i.item_id] for i in history], dtype=int),
        polarity=np.array([i.polarity() for i in history], dtype=float),
        preference_vectors=preference_vectors
        if preference_vectors is not None
        else np.empty((0, dimension), dtype=np.float32),
        preference_signs=preference_signs if preference_signs is not None else np.empty(0, dtype=float),
    )
    return profile, history


def history_signals(
    index: CatalogIndex,
    profiles: Sequence[UserProfile],
    config: RankingConfig,
    *,
    knn: ItemKNN | None = None,
    ease: EASE | None = None,
) -> dict[str, np.ndarray]:
    """Users x items scores of the history-based signals (``cf``, ``content``, and ``ease`` with a model)
    for many users at once: one matrix product per signal, which is how the tuner scores 600 users."""
    n_items = len(index)
    weights = weight_rows(profiles, [collab_weights(p, config.half_life, config.recency_floor, config.like_gain)
                                     for p in profiles], n_items)  # fmt: skip
    out = {
        "cf": knn.score_rows(weights) if knn is not None else np.zeros((len(profiles), n_items)),
        "content": history_content_scores(index.embeddings, profiles, half_life=config.half_life,
                                          dislike_weight=config.dislike_weight),  # fmt: skip
    }
    if ease is not None:
        out["ease"] = ease.score_rows(weights)
    return out


def item_signals(
    index: CatalogIndex,
    profile: UserProfile,
    config: RankingConfig,
    *,
    knn: ItemKNN | None = None,
    popularity: np.ndarray | None = None,
    query_vector: np.ndarray | None = None,
    ease: EASE | None = None,
) -> Signals:
    """Every item's score under each signal (EASE only when a model is given)."""
    history = {name: values[0] for name, values in history_signals(index, [profile], config, knn=knn,
                                                                   ease=ease).items()}  # fmt: skip
    content = history["content"] + stated_preference_scores(index.embeddings, profile,
                                                             dislike_weight=config.dislike_weight)  # fmt: skip
    counts = popularity if popularity is not None else (knn.counts if knn is not None else index.popularity)
    query = dense_scores(index, query_vector) if query_vector is not None else None
    return Signals(cf=history["cf"], content=content, popularity=popularity_scores(counts), query=query,
                   ease=history.get("ease"))  # fmt: skip


def blended_scores(signals: Signals, config: RankingConfig, mask: np.ndarray | None = None) -> np.ndarray:
    parts = {"cf": signals.cf, "content": signals.content, "popularity": signals.popularity}
    weights = {"cf": config.cf_weight, "content": config.content_weight, "popularity": config.popularity_weight}
    if signals.ease is not None:
        parts["ease"] = signals.ease
        weights["ease"] = config.ease_weight
    if signals.query is not None:
        parts["query"] = signals.query
        weights["query"] = config.query_weight
    for name, (values, weight) in signals.extra.items():
        parts[name], weights[name] = values, weight
    return blend(parts, weights, mask)


def rank_items(
    index: CatalogIndex,
    profile: UserProfile,
    k: int,
    *,
    config: RankingConfig | None = None,
    knn: ItemKNN | None = None,
    popularity: np.ndarray | None = None,
    query_vector: np.ndarray | None = None,
    filters: Filters | None = None,
    allowed: np.ndarray | None = None,
    extra: dict[str, tuple[np.ndarray, float]] | None = None,
    ease: EASE | None = None,
) -> tuple[list[int], np.ndarray, Signals]:
    """The ``k`` positions to recommend (best first), every item's blended score, and the signals.

    Items in the user's history are never returned unless ``filters.include_seen``. ``allowed`` and
    ``extra`` (signal, weight) come from a request's facets (``tools.request_ranking``). ``config``
    defaults to the tuned configuration (``tools.tuned``).
    """
    config = config or default_config()
    signals = item_signals(
        index, profile, config, knn=knn, popularity=popularity, query_vector=query_vector, ease=ease
    )
    signals.extra = dict(extra or {})
    mask = filter_mask(index, filters, profile.positions)
    if allowed is not None:
        mask &= allowed
    scores = blended_scores(signals, config, mask)
    if profile.has_preferences:  # "I hate romance" must outweigh having liked a few romances
        scores = scores - config.avoid_weight * avoidance(index.embeddings, profile)
    candidates = top_positions(scores, mask, max(k, config.candidates))
    cold = not profile.has_history and not profile.has_preferences and query_vector is None and not extra
    diversity = config.cold_start_diversity if cold else config.diversity
    chosen = mmr(candidates.tolist(), scores[candidates], index.embeddings, k, diversity=diversity)
    return chosen, scores, signals


def default_config() -> RankingConfig:
    """The ranking configuration chosen on validation data (``rapport eval recsys --tune``)."""
    from .tuned import load_tuned

    return load_tuned().ranking
