"""``rapport eval prefeval --recall``: does a question bring back the one preference it depends on?

Every selected item's preference is stored for one user (a real store on disk under the output
folder, real embeddings); each item's question is then searched with each mode, and recall@k is
whether the item's own preference is among the top k. Duplicate preference texts are stored once,
so finding the text is finding the preference.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from tqdm import tqdm

from evals.locomo.runner import parse_modes
from memory import MemoryStore, NewMemory
from memory.errors import InvalidInputError

from .data import Item, load_topics
from .report import write_outputs

USER_ID = "prefeval"
KS = (1, 3, 5)


def run(data: Path, out: Path, modes: str = "dense,bm25,hybrid", per_topic: int = 20, limit: int | None = None) -> dict:
    """Run the evaluation and write metrics.json, report.md, recall.png and per-mode retrievals."""
    if per_topic < 1:
        raise InvalidInputError("--per-topic", f"must be at least 1, got {per_topic}")
    chosen = parse_modes(modes)
    topics = load_topics(data, per_topic)
    out.mkdir(parents=True, exist_ok=True)
    store = MemoryStore(path=out / "store")
    try:
        n_memories = ingest(store, [item for items in topics.values() for item in items])
        questions = [item for items in topics.values() for item in items[:limit]]
        store.embedder.encode([item.question for item in questions])  # one batch, reused by every mode
        per_mode: dict[str, dict] = {}
        for mode in chosen:
            rows = []
            for item in tqdm(questions, desc=f"search {mode}", unit="q"):
                hits = store.search(USER_ID, item.question, k=max(KS), mode=mode)
                rows.append({**item.model_dump(), "retrieved": [hit.memory.text for hit in hits]})
            per_mode[mode] = {"rows": rows, "scores": score(rows)}
    finally:
        store.close()
    metrics = {
        "n_questions": len(questions),
        "n_memories": n_memories,
        "k": list(KS),
        "modes": {mode: result["scores"] for mode, result in per_mode.items()},
    }
    write_outputs(out, metrics, {mode: result["rows"] for mode, result in per_mode.items()})
    return metrics


def ingest(store: MemoryStore, items: list[Item]) -> int:
    """Store each distinct preference once; skipped when the store already holds exactly these (resume)."""
    texts = list(dict.fromkeys(item.preference for item in items))
    topic_of = {item.preference: item.topic for item in reversed(items)}
    if sorted(m.text for m in store.list(USER_ID, limit=len(texts) + 1)) == sorted(texts):
        return len(texts)
    store.forget(USER_ID)
    memories = [NewMemory(text=text, kind="preference", metadata={"topic": topic_of[text]}) for text in texts]
    for start in range(0, len(memories), store.max_batch):
        store.add_many(USER_ID, memories[start : start + store.max_batch])
    return len(texts)


def score(rows: list[dict]) -> dict:
    """recall@k over all questions, and the same per topic."""

    def aggregate(subset: list[dict]) -> dict[str, float]:
        return {
            f"recall@{k}": round(sum(r["preference"] in r["retrieved"][:k] for r in subset) / len(subset), 4)
            if subset
            else 0.0
            for k in KS
        }

    by_topic: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_topic[row["topic"]].append(row)
    return {**aggregate(rows), "by_topic": {topic: aggregate(by_topic[topic]) for topic in sorted(by_topic)}}
