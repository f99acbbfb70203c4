"""Rankers: preference scoring from a user's history, score blending, MMR diversity, LLM rerank.

A ``UserProfile`` is what the rankers know about a person: the catalog positions they interacted
with (oldest first) and how much they liked each, plus the vectors of what they said they like or
dislike. The product builds it from memories, the evaluation from training ratings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


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


def collab_weights(profile: UserProfile, half_life: float, floor: float, like_gain: float) -> np.ndarray:
    """Weight of each history entry as input to the collaborative models: recency times rating.

    Everything a user rated says what they watch (the models are fitted on who interacted with what),
    so a disliked item still counts a little: (1 + ``like_gain`` * polarity), floored at 0.
    """
    recency = np.maximum(recency_weights(len(profile.positions), half_life), floor)
    return recency * np.maximum(1.0 + like_gain * profile.polarity, 0.0)


def weight_rows(profiles: Sequence[UserProfile], weights: Sequence[np.ndarray], n_items: int) -> sp.csr_matrix:
    """Users x items sparse matrix: row u holds profile u's weight at each of its history positions."""
    lengths = [len(p.positions) for p in profiles]
    rows = np.repeat(np.arange(len(profiles)), lengths)
    columns = np.concatenate([p.positions for p in profiles]) if profiles else np.empty(0, dtype=int)
    values = np.concatenate(weights).astype(np.float32) if profiles else np.empty(0, dtype=np.float32)
    return sp.csr_matrix((values, (rows, columns.astype(int))), shape=(len(profiles), n_items))


def centroid_scores(embeddings: np.ndarray, rows: sp.csr_matrix) -> np.ndarray:
    """Users x items cosine of every item to each row's weighted centroid of item vectors (0 for an empty row)."""
    centroids = np.asarray(rows @ embeddings, dtype=np.float32)
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    centroids = np.divide(centroids, norms, out=np.zeros_like(centroids), where=norms > 0)
    return centroids @ embeddings.T


def history_content_scores(
    embeddings: np.ndarray, profiles: Sequence[UserProfile], *, half_life: float, dislike_weight: float
) -> np.ndarray:
    """Users x items content score from history alone: close to the liked items, away from the disliked."""
    pairs = [history_weights(p, half_life) for p in profiles]
    n_items = len(embeddings)
    likes = weight_rows(profiles, [like for like, _ in pairs], n_items)
    scores = centroid_scores(embeddings, likes)
    dislikes = weight_rows(profiles, [dislike for _, dislike in pairs], n_items)
    if dislikes.nnz and dislike_weight:
        scores -= dislike_weight * centroid_scores(embeddings, dislikes)
    return scores


def preference_scores(
    embeddings: np.ndarray, profile: UserProfile, *, half_life: float = 20.0, dislike_weight: float = 0.5
) -> np.ndarray:
    """Content score of every item: close to what the user liked and said they like, away from dislikes.

    Liked and disliked history items form two recency-weighted centroids; each stated preference adds
    (or, when negative, subtracts) its cosine.
    """
    scores = history_content_scores(embeddings, [profile], half_life=half_life, dislike_weight=dislike_weight)[0]
    return scores + stated_preference_scores(embeddings, profile, dislike_weight=dislike_weight)


def stated_preference_scores(embeddings: np.ndarray, profile: UserProfile, *, dislike_weight: float) -> np.ndarray:
    """The sum of each stated preference's cosine, a dislike's counted negative and twice ``dislike_weight``."""
    if not profile.has_preferences:
        return np.zeros(len(embeddings), dtype=np.float32)
    signed = np.where(profile.preference_signs > 0, 1.0, -dislike_weight * 2)
    return (embeddings @ profile.preference_vectors.T) @ signed.astype(np.float32)


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
    scores = np.asarray(scores, dtype=float)
    rows = None if mask is None else np.asarray(mask, dtype=bool)[None, :]
    return standardize_rows(scores[None, :], rows)[0]


def standardize_rows(scores: np.ndarray, masks: np.ndarray | None = None) -> np.ndarray:
    """``standardize`` for each row (a user) of a users x items matrix, over that row's allowed items;
    a row with no allowed item uses all, a constant row becomes zeros."""
    scores = np.asarray(scores)
    if masks is None:
        masks = np.ones(scores.shape, dtype=bool)
    masks = np.where(masks.any(axis=1, keepdims=True), masks, True)
    count = masks.sum(axis=1, keepdims=True)
    mean = np.where(masks, scores, 0.0).sum(axis=1, keepdims=True) / count
    spread = np.sqrt((np.where(masks, scores - mean, 0.0) ** 2).sum(axis=1, keepdims=True) / count)
    safe = np.where(spread > 0, spread, 1.0)
    return np.where(spread > 0, (scores - mean) / safe, 0.0)


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
