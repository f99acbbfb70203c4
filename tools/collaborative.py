"""Collaborative retrieval (CFRAG): labelled items of users like this one, picked for one input.

As in "Retrieval Augmented Generation with Collaborative Filtering for Personalized Text
Generation": users similar to this one (by their profile embeddings: the mean of their items'
vectors) contribute items; a retriever then scores the user's own items and the neighbours' items
by the input AND the user (similarity to the query, similarity to the user's profile vector, a bonus
for the user's own items, and how close the item's owner is), so a neighbour's item counts when it
is about this input and in this user's taste. The weights are tuned on a split that is not the one
evaluated (``evals/lamp/tuning.py``).

THE SHARING RULE (enforced here, for the product): another user's data may be used only when it is
shareable by nature: item interactions (what a user rated, tagged or labelled, about items of a
public catalog) and the public catalog itself. Never their private memories (facts, preferences,
events, messages): those never leave their owner, not as items, not as votes, not inside a neighbour's
profile vector. A user can also withhold an interaction (``metadata["shareable"] = False``).
``shareable_items`` is the only function that reads other users, and it checks every record it returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from memory import MemoryKind, MemoryStore
from memory.errors import RapportError
from memory.records import Memory

SHAREABLE_KINDS: frozenset[MemoryKind] = frozenset({MemoryKind.INTERACTION})


@dataclass(frozen=True)
class LabelledItem:
    """One item with the label its owner gave it; ``vector`` is its unit-length embedding."""

    text: str
    label: str
    owner: str
    vector: np.ndarray = field(repr=False)
    source: Any = field(default=None, repr=False, compare=False)  # what the caller renders (a record, a dict)


@dataclass(frozen=True)
class RetrieverWeights:
    """How the collaborative retriever ranks items; tuned on a tuning split, never on the evaluated questions.

    The defaults are the values tuned on the LaMP-2N dev file's tuning half (``evals/lamp/tuned/LaMP_2N.json``).
    """

    neighbours: int = 8  # similar users whose items are candidates
    user_weight: float = 0.25  # weight of similarity to the user's profile vector (the "user-conditioned" part)
    own_bonus: float = 0.2  # added to the user's own items
    owner_weight: float = 0.0  # times the owner's similarity to this user
    k: int = 12  # items that vote (the prompt shows the first ``prompt_k`` of them)


@dataclass(frozen=True)
class Scored:
    item: LabelledItem
    score: float
    own: bool


def unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def profile_vector(items: Sequence[LabelledItem]) -> np.ndarray:
    """A user's profile embedding: the unit mean of their items' vectors."""
    if not items:
        raise ValueError("a profile vector needs at least one item")
    return unit(np.mean([item.vector for item in items], axis=0))


def nearest_users(user: np.ndarray, others: dict[str, np.ndarray], m: int) -> list[tuple[str, float]]:
    """The ``m`` users whose profile vectors are closest to ``user`` (cosine), closest first."""
    if m <= 0 or not others:
        return []
    names = list(others)
    similarities = np.stack([others[name] for name in names]) @ user
    order = np.argsort(-similarities, kind="stable")[:m]
    return [(names[i], float(similarities[i])) for i in order]


@dataclass(frozen=True)
class Candidates:
    """One question's candidate items (own first, then neighbours closest first), with what ranking reads."""

    items: list[LabelledItem]
    query_similarity: np.ndarray
    user_similarity: np.ndarray
    own: np.ndarray  # bool
    owner_similarity: np.ndarray  # 0 for own items
    owner_rank: np.ndarray  # 0 for own items, 1 for the closest neighbour's, ...


def candidates(
    query: np.ndarray,
    own: Sequence[LabelledItem],
    neighbours: Iterable[tuple[Sequence[LabelledItem], float]],
    *,
    exclude: frozenset[str] = frozenset(),
) -> Candidates:
    """Own and neighbours' items for one input, each text once (own first, then the closest neighbour's).

    ``exclude`` holds normalised texts that must not be evidence (the input itself: an item identical
    to the question is its answer, not a neighbour's opinion).
    """
    user = profile_vector(own)
    seen = set(exclude)
    items: list[LabelledItem] = []
    owner_similarity: list[float] = []
    owner_rank: list[int] = []

    def consider(group: Sequence[LabelledItem], similarity: float, rank: int) -> None:
        for item in group:
            key = normalise(item.text)
            if key not in seen:
                seen.add(key)
                items.append(item)
                owner_similarity.append(similarity)
                owner_rank.append(rank)

    consider(own, 0.0, 0)
    for rank, (group, similarity) in enumerate(neighbours, start=1):
        consider(group, similarity, rank)
    vectors = np.stack([item.vector for item in items]) if items else np.zeros((0, len(query)))
    return Candidates(
        items=items,
        query_similarity=vectors @ query,
        user_similarity=vectors @ user,
        own=np.asarray(owner_rank) == 0,
        owner_similarity=np.asarray(owner_similarity, dtype=float),
        owner_rank=np.asarray(owner_rank),
    )


def rank(found: Candidates, weights: RetrieverWeights) -> list[Scored]:
    """The best ``weights.k`` candidates for this input and this user, among the ``weights.neighbours`` closest users.

    Score: similarity to the input + ``user_weight`` x similarity to the user's profile vector +
    ``own_bonus`` for the user's own items + ``owner_weight`` x the owner's similarity to the user.
    """
    allowed = found.owner_rank <= weights.neighbours
    scores = (
        found.query_similarity
        + weights.user_weight * found.user_similarity
        + np.where(found.own, weights.own_bonus, weights.owner_weight * found.owner_similarity)
    )
    scores = np.where(allowed, scores, -np.inf)
    order = np.argsort(-scores, kind="stable")[: min(weights.k, int(allowed.sum()))]
    return [Scored(found.items[i], float(scores[i]), bool(found.own[i])) for i in order]


def retrieve(
    query: np.ndarray,
    own: Sequence[LabelledItem],
    neighbours: Iterable[tuple[Sequence[LabelledItem], float]],
    weights: RetrieverWeights,
    *,
    exclude: frozenset[str] = frozenset(),
) -> list[Scored]:
    """Own and neighbours' items ranked for this input and this user, best first (``weights.k`` of them)."""
    return rank(candidates(query, own, neighbours, exclude=exclude), weights)


def normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def label_shares(scored: Sequence[Scored], labels: Sequence[str], smoothing: float) -> list[float]:
    """The retrieved items' labels as a distribution over ``labels``: score-weighted, smoothed, summing to 1.

    Weights are the retriever scores shifted so the weakest retrieved item still counts a little.
    """
    totals = dict.fromkeys(labels, 0.0)
    if scored:
        floor = min(entry.score for entry in scored)
        for entry in scored:
            if entry.item.label in totals:
                totals[entry.item.label] += entry.score - floor + 0.05
    whole = sum(totals.values())
    if whole == 0:
        return [1.0 / len(labels)] * len(labels)
    return [(1 - smoothing) * totals[label] / whole + smoothing / len(labels) for label in labels]


# -- the product side: items of the store's users, under the sharing rule -----------------------


def is_shareable(memory: Memory) -> bool:
    """The sharing rule for one record of ANOTHER user: an interaction its owner did not withhold."""
    return memory.kind in SHAREABLE_KINDS and memory.metadata.get("shareable", True) is not False


def shareable_items(store: MemoryStore, user_id: str, label_key: str) -> dict[str, list[Memory]]:
    """Every other user's shareable, labelled, current records, by user. The only reader of other users."""
    pool: dict[str, list[Memory]] = {}
    for other in store.users():
        if other == user_id:
            continue
        records = store.list(other, kind=MemoryKind.INTERACTION, limit=10**6)
        kept = [m for m in records if label_key in m.metadata and is_shareable(m)]
        if any(m.user_id != other or not is_shareable(m) for m in kept):  # a store bug must not leak data
            raise RapportError(f"refusing to share records of {other!r}: the store returned a private record")
        if kept:
            pool[other] = kept
    return pool


def as_items(store: MemoryStore, memories: Sequence[Memory], label_key: str) -> list[LabelledItem]:
    if not memories:
        return []
    vectors = unit(np.asarray(store.embedder.encode([m.text for m in memories]), dtype=float))
    return [
        LabelledItem(text=m.text, label=str(m.metadata[label_key]), owner=m.user_id, vector=vector, source=m)
        for m, vector in zip(memories, vectors, strict=True)
    ]
