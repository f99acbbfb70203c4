"""Whether a new statement replaces an earlier one: a learned judge over what the heads say of the pair.

A person's words for an update are endless ("left Brightwave, I'm at Tandem Labs", "Maisie turned 7
yesterday", "sold the fiesta"), so no list of phrasings finds them. What does generalize is what the
trained heads already read from each statement: whether the new one says something changed (the
change head), whether both fill the same slot and whether that slot holds one value at a time (the
slot head), how close they are in meaning, whether they share a name and differ in a number, and
whether one is about someone else. The judge is a logistic regression over those few numbers,
trained by ``rapport train reader`` on labelled pairs; being so small, it cannot learn a wording.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from memory.embedder import Embedder

from .features import change_features
from .heads import Head, shipped_heads
from .labels import SAFETY, SINGLE_VALUED, Change, Slot
from .subjects import subject
from .values import distinct_values, values

REPLACE_HEAD = "replace"
MIN_REPLACE_PROBABILITY = 0.9  # chosen on the team's pairs (0.8, 0.9, 0.95 tried): 95% of compatible kept
FEATURES = (
    "cosine",
    "change",
    "ends",
    "correction",
    "same_slot",
    "single_valued",
    "safety_elsewhere",
    "plan",
    "shared_value",
    "distinct_values",
    "someone_else",
    "change x cosine",
    "change x same_slot",
    "single_valued x cosine",
    "shared x distinct x change",
)


def pair_features(embedder: Embedder, heads: dict[str, Head], olds: Sequence[str], news: Sequence[str]) -> np.ndarray:
    """One row of ``FEATURES`` per (old, new) pair."""
    old_vectors, new_vectors = embedder.encode(list(olds)), embedder.encode(list(news))
    slot, change = heads["slot"], heads["change"]
    single = np.array([c in {s.value for s in SINGLE_VALUED} for c in slot.classes], dtype=np.float64)
    safety = np.array([c in {s.value for s in SAFETY} for c in slot.classes], dtype=np.float64)
    plan = slot.classes.index(Slot.PLAN.value)
    old_slots, new_slots = slot.probabilities(old_vectors), slot.probabilities(new_vectors)
    changes = change.probabilities(change_features(new_vectors, news))
    none, ends, correction = (change.classes.index(c.value) for c in (Change.NONE, Change.ENDS, Change.CORRECTION))
    rows = []
    for old, new, a, b, p_old, p_new, p_change in zip(
        olds, news, old_vectors, new_vectors, old_slots, new_slots, changes, strict=True
    ):
        cosine = float(a @ b)
        said = 1.0 - float(p_change[none])
        same = float(p_old @ p_new)
        single_valued = float((p_old * p_new) @ single)
        safety_elsewhere = float(p_old @ safety) * (1.0 - float(p_new @ safety))
        shared = float(bool({v.casefold() for v in values(old)} & {v.casefold() for v in values(new)}))
        differ = float(distinct_values(old, new))
        someone_else = float(subject(old) != subject(new, known=old))  # "my sister moved" / "I live in Leeds"
        rows.append(
            [
                cosine,
                said,
                float(p_change[ends]),
                float(p_change[correction]),
                same,
                single_valued,
                safety_elsewhere,
                float(p_new[plan]),
                shared,
                differ,
                someone_else,
                said * cosine,
                said * same,
                single_valued * cosine,
                shared * differ * said,
            ]
        )
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))


class ReplaceJudge:
    """The probability that each earlier statement is no longer true once ``new`` is said."""

    def __init__(self, embedder: Embedder, heads: dict[str, Head] | None = None) -> None:
        self.embedder = embedder
        self.heads = heads if heads is not None else shipped_heads()

    def probabilities(self, new: str, olds: Sequence[str]) -> list[float]:
        if not olds:
            return []
        head = self.heads[REPLACE_HEAD]
        features = pair_features(self.embedder, self.heads, olds, [new] * len(olds))
        return [float(p) for p in head.probabilities(features)[:, head.classes.index("true")]]
