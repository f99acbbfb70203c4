"""Hybrid scoring: the dense cosine of every candidate, plus keyword scores in proportion to their evidence.

Why not reciprocal-rank fusion: ranks throw away how far apart two candidates are, and a fused rank
list falls below its better half whenever the weaker one is noise. Here every candidate (the union of
both retrievers' top results) is scored on both sides: its cosine to the query, plus its BM25 score
as a share of the best BM25 score, weighted by how much of the query's rare vocabulary the best
keyword match holds (``KeywordIndex.evidence``, 0 to 1). A question that shares no rare word with
any memory ("must-try restaurants in Rome?" against "I strictly avoid gluten") is ranked by meaning
alone; one that names the person, place or thing a memory names is ranked mostly by the words.
On LoCoMo this took recall@10 from .717 (rank fusion behind a 0.15 evidence gate) to .744, with
every question category up; see README, "Retrieval quality".
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


def hybrid_scores(
    dense: Mapping[Key, float], keyword: Mapping[Key, float], evidence: float
) -> list[tuple[Key, float]]:
    """Candidates best first, scored ``cosine + evidence * keyword / best keyword``.

    ``dense`` must hold the cosine of every candidate in ``keyword`` too (score the keyword-only
    ones before calling); a candidate missing there counts with cosine 0.
    """
    if not 0.0 <= evidence <= 1.0:
        raise ValueError(f"evidence is a share, 0 to 1; got {evidence}")
    best = max(keyword.values(), default=0.0)
    weight = evidence / best if best > 0 else 0.0
    candidates = dict.fromkeys([*dense, *keyword])  # ties keep the dense order (the sort is stable)
    scores = {key: dense.get(key, 0.0) + weight * keyword.get(key, 0.0) for key in candidates}
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)
