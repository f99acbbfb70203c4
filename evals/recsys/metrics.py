"""HR@k and NDCG@k of one held-out item per user (full ranking: every unseen item is a candidate)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def hit_and_ndcg(ranked: Sequence[str], held_out: str, k: int) -> tuple[float, float]:
    """1 and 1/log2(rank + 1) when the held-out item is in the top ``k``, else 0 and 0."""
    ranked = list(ranked[:k])
    if held_out in ranked:
        return 1.0, 1.0 / math.log2(ranked.index(held_out) + 2)
    return 0.0, 0.0


def hit_and_ndcg_positions(top: np.ndarray, held: np.ndarray) -> tuple[float, float]:
    """Mean HR and NDCG over users: ``top`` is users x k positions (best first), ``held`` one position each."""
    if len(held) == 0:
        return 0.0, 0.0
    top = np.asarray(top)
    found = top == np.asarray(held)[:, None]
    hits = found.any(axis=1)
    rank = found.argmax(axis=1)
    gains = np.where(hits, 1.0 / np.log2(rank + 2), 0.0)
    return float(hits.mean()), float(gains.mean())
