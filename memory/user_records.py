"""An in-process mirror of one user's records, kept in step with every write through the store.

It serves ``get``/``list``/recency without a round trip and holds the user's BM25 index, which is
rebuilt lazily after a write (building is cheap; re-reading the collection is not).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import numpy as np

from .keyword import KeywordIndex
from .records import Memory, MemoryKind, MemoryStatus

Filter = Callable[[Memory], bool]
_Keyword = tuple[list[str], dict[str, int], KeywordIndex]  # ids in index order, their positions, the index


def record_filter(kinds: Iterable[MemoryKind] | None, include_superseded: bool) -> Filter:
    wanted = set(kinds) if kinds else None

    def keep(memory: Memory) -> bool:
        if not include_superseded and memory.status is not MemoryStatus.ACTIVE:
            return False
        return wanted is None or memory.kind in wanted

    return keep


def keyword_text(memory: Memory) -> str:
    """What BM25 matches: the memory and its context (dense search embeds the memory alone)."""
    return f"{memory.context}\n{memory.text}" if memory.context else memory.text


class UserRecords:
    """Writers replace ``by_id`` with a new dict (copy-on-write), so a search iterating the old one in
    another thread never sees it change under it."""

    def __init__(self, memories: Iterable[Memory]) -> None:
        self.by_id: dict[str, Memory] = {m.id: m for m in memories}
        self.loaded_at = time.monotonic()
        self.version: int | None = None  # the shared change counter's value when loaded (``store.ChangeLog``)
        self._keyword: _Keyword | None = None

    def __len__(self) -> int:
        return len(self.by_id)

    def put(self, memories: Iterable[Memory]) -> None:
        self.by_id = {**self.by_id, **{memory.id: memory for memory in memories}}
        self._keyword = None

    def remove(self, memory_ids: Iterable[str]) -> None:
        gone = set(memory_ids)
        self.by_id = {memory_id: m for memory_id, m in self.by_id.items() if memory_id not in gone}
        self._keyword = None

    def select(self, keep: Filter) -> list[Memory]:
        return [m for m in self.by_id.values() if keep(m)]

    def newest_first(self, keep: Filter) -> list[Memory]:
        return sorted(self.select(keep), key=lambda m: (m.created_at, m.id), reverse=True)

    def keyword_ranking(self, query: str, keep: Filter, depth: int) -> list[tuple[Memory, float]]:
        """BM25 matches (score > 0) that pass ``keep``, best first, at most ``depth``."""
        ids, _, index = self._keyword_index()
        scores = index.scores(query)
        order = np.argsort(-scores, kind="stable")
        ranked: list[tuple[Memory, float]] = []
        for position in order:
            score = float(scores[position])
            if score <= 0.0:
                break
            memory = self.by_id.get(ids[position])
            if memory is not None and keep(memory):
                ranked.append((memory, score))
                if len(ranked) >= depth:
                    break
        return ranked

    def keyword_evidence(self, query: str, memory_id: str) -> float:
        """How much of the query's rare vocabulary this memory's keyword text holds (``KeywordIndex.evidence``)."""
        _, positions, index = self._keyword_index()
        position = positions.get(memory_id)
        return index.evidence(query, position) if position is not None else 0.0

    def _keyword_index(self) -> _Keyword:
        """The BM25 index of the current records, built on first use after a write (one snapshot, one tuple)."""
        keyword = self._keyword
        if keyword is None:
            snapshot = self.by_id
            ids = list(snapshot)
            index = KeywordIndex([keyword_text(snapshot[memory_id]) for memory_id in ids])
            keyword = (ids, {memory_id: position for position, memory_id in enumerate(ids)}, index)
            self._keyword = keyword
        return keyword
