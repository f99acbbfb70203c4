"""Rankers: preference scoring from a user's history, score blending, MMR diversity, rank fusion, LLM rerank.

A ``UserProfile`` is what the rankers know about a person: the catalog positions they interacted
with (oldest first) and how much they liked each, plus the vectors of what they said they like or
dislike. The product builds it from memories, the evaluation from training ratings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass
class UserProfile:
    """History (positions oldest first, polarity in [-1, 1]) and stated preferences (unit vectors, signs)."""

    positions: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))
    polarity: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=float))
    preference_vectors: np.ndarray = field(default_factory=lambda: np.empty((0, 0), dtype=np.float32))
    preference_signs: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=float))

    @property
    def has_history(self) -> bool:
        return len(self.positions) > 0

    @property
    def has_preferences(self) -> bool:
        return len(self.preference_signs) > 0


def recency_weights(n: int, half_life: float) -> np.ndarray:
    """Weight of each of ``n`` events listed oldest first: the newest is 1, one ``half_life`` older is 0.5."""
    if n == 0:
        return np.empty(0)
    age = np.arange(n - 1, -1, -1, dtype=float)
    return np.power(0.5, age / max(half_life, 1e-9))


def history_weights(profile: UserProfile, half_life: float, floor: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """(like weights, dislike weights) per history entry: polarity times recency, recency floored at ``floor``."""
    recency = np.maximum(recency_weights(len(profile.positions), half_life), floor)
    likes = np.clip(profile.polarity, 0.0, None) * recency
    dislikes = np.clip(-profile.polarity, 0.0, None) * recency
    return likes, dislikes


def preference_scores(
    embeddings: np.ndarray, profile: UserProfile, *, half_life: float = 20.0, dislike_weight: float = 0.5
) -> np.ndarray:
    """Content score of every item: close to what the user liked and said they like, away from dislikes.

    Liked and disliked history items form two recency-weighted centroids; each stated preference adds
    (or, when negative, subtracts) its cosine.
    """
    scores = np.zeros(len(embeddings), dtype=np.float32)
    if profile.has_history:
        likes, dislikes = (w.astype(np.float32) for w in history_weights(profile, half_life))
        vectors = embeddings[profile.positions]
        if likes.sum() > 0:
            scores += embeddings @ _unit(likes @ vectors)
        if dislikes.sum() > 0:
            scores -= dislike_weight * (embeddings @ _unit(dislikes @ vectors))
    if profile.has_preferences:
        signed = np.where(profile.preference_signs > 0, 1.0, -dislike_weight * 2)
        scores += (embeddings @ profile.preference_vectors.T) @ signed.astype(np.float32)
    return scores


def avoidance(embeddings: np.ndarray, profile: UserProfile, *, above_z: float = 0.5) -> np.ndarray:
    """How much each item matches something the user said they do not want (0 for most items).

    Cosines to a short sentence bunch together (MiniLM: 0.3-0.5 for all films), so an item counts as
    matching a dislike when it stands out among the catalog: its z-score for that dislike above ``above_z``.
    """
    penalty = np.zeros(len(embeddings), dtype=float)
    for vector, sign in zip(profile.preference_vectors, profile.preference_signs, strict=True):
        if sign < 0:
            penalty += np.maximum(standardize(embeddings @ vector) - above_z, 0.0)
    return penalty


def standardize(scores: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Z-scores over the allowed items, so signals on different scales can be blended by weights."""
    values = scores[mask] if mask is not None and mask.any() else scores
    spread = float(values.std())
    return (scores - float(values.mean())) / spread if spread > 0 else np.zeros_like(scores, dtype=float)


def blend(signals: dict[str, np.ndarray], weights: dict[str, float], mask: np.ndarray | None = None) -> np.ndarray:
    """Weighted sum of standardized signals; a signal with weight 0 (or absent) is skipped."""
    total = np.zeros(len(next(iter(signals.values()))), dtype=float)
    for name, values in signals.items():
        weight = weights.get(name, 0.0)
        if weight:
            total += weight * standardize(values, mask)
    return total


def mmr(
    candidates: Sequence[int], relevance: np.ndarray, embeddings: np.ndarray, k: int, *, diversity: float = 0.3
) -> list[int]:
    """Maximal marginal relevance: pick ``k`` candidates trading relevance against similarity to those picked.

    ``relevance`` is indexed like ``candidates``; ``diversity`` 0 keeps the relevance order.
    """
    candidates = list(candidates)
    if diversity <= 0 or len(candidates) <= 1:
        return candidates[:k]
    relevance = np.asarray(relevance, dtype=float)
    spread = relevance.max() - relevance.min()
    relevance = (relevance - relevance.min()) / spread if spread > 0 else np.ones_like(relevance)
    vectors = embeddings[candidates]
    similarity = vectors @ vectors.T
    chosen: list[int] = []
    closest = np.full(len(candidates), -np.inf)
    available = np.ones(len(candidates), dtype=bool)
    for _ in range(min(k, len(candidates))):
        redundancy = np.where(np.isfinite(closest), closest, 0.0)
        value = (1 - diversity) * relevance - diversity * redundancy
        value[~available] = -np.inf
        best = int(np.argmax(value))
        chosen.append(best)
        available[best] = False
        closest = np.maximum(closest, similarity[best])
    return [candidates[i] for i in chosen]


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector
