"""Choosing profile items per strategy, through the memory store: each question's profile is one user's memories.

The store is built once per question (resumed when already there) and every strategy reads it, so
embeddings are computed once and shared. ``random`` is seeded by the question id (reruns agree);
``recency`` is newest first by the items' ``date``, or by position in the profile when items carry
no date (later items count as newer).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from memory import MemoryStore, NewMemory
from memory.store import MAX_K

from .data import Question
from .tasks import TaskSpec, extract_query

RETRIEVAL_STRATEGIES = ("random", "recency", "bm25", "dense", "hybrid")
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def user_for(spec: TaskSpec, question: Question) -> str:
    return f"lamp-{spec.name}-{question.user_id or question.id}"[:128]


def item_text(spec: TaskSpec, item: dict[str, str]) -> str:
    """What retrieval matches: the task's corpus fields joined (as the official query/corpus makers do)."""
    return " ".join(item[name] for name in spec.corpus if item.get(name, "").strip())


def parse_date(value: str | None) -> datetime | None:
    """LaMP dates are ``YYYY-MM-DD`` (sometimes with a time); anything else means "no date"."""
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y%m%d"):
        try:
            return datetime.strptime(value.strip(), pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


class ProfileIndex:
    """One question's profile in the store, and the strategies' picks from it."""

    def __init__(self, store: MemoryStore, spec: TaskSpec, question: Question) -> None:
        self.store = store
        self.spec = spec
        self.question = question
        self.user_id = user_for(spec, question)
        self.query = extract_query(spec, question.input)
        self._ingest()

    def _ingest(self) -> None:
        profile = self.question.profile
        if self.store.count(self.user_id) == len(profile):
            return  # built by an earlier (interrupted) run
        self.store.forget(self.user_id)
        items = []
        for index, item in enumerate(profile):
            dated = parse_date(item.get("date"))
            # Ties broken by position so recency is deterministic when dates repeat.
            created = (dated or EPOCH) + timedelta(microseconds=index)
            items.append(
                NewMemory(text=item_text(self.spec, item), kind="event", created_at=created, metadata={"index": index})
            )
        for start in range(0, len(items), self.store.max_batch):
            self.store.add_many(self.user_id, items[start : start + self.store.max_batch])

    def select(self, strategy: str, k: int) -> list[dict[str, str]]:
        """The k profile items a strategy puts in the prompt, best first."""
        if strategy == "none":
            return []
        profile = self.question.profile
        if strategy == "random":
            rng = random.Random(f"{self.spec.name}:{self.question.id}")
            return rng.sample(profile, min(k, len(profile)))
        mode = strategy if strategy in ("recency", "bm25", "dense", "hybrid") else None
        if mode is None:
            raise ValueError(f"not a retrieval strategy: {strategy}")
        wanted = min(k, len(profile), MAX_K)
        query = self.query or self.question.input
        hits = self.store.search(self.user_id, query, k=wanted, mode=mode)  # type: ignore[arg-type]
        chosen = [int(hit.memory.metadata["index"]) for hit in hits]
        # BM25 returns only items sharing a word with the query; fill up in profile order, as a
        # ranker that scores the rest 0 would (the official BM25 always returns k items).
        chosen += [i for i in range(len(profile)) if i not in set(chosen)][: wanted - len(chosen)]
        return [profile[i] for i in chosen]

    def similarities(self, query: str | None = None) -> list[tuple[dict[str, str], float]]:
        """Every profile item with its cosine similarity to ``query`` (default: the question's), best first."""
        depth = min(len(self.question.profile), MAX_K)
        hits = self.store.search(self.user_id, query or self.query or self.question.input, k=depth, mode="dense")
        return [(self.question.profile[int(hit.memory.metadata["index"])], hit.score) for hit in hits]
