"""``rapport eval locomo``: ingest each conversation as one user's memories, then score retrieval.

For every question with evidence (adversarial ones skipped), each search mode retrieves the top k
turns; recall@k is the share of the evidence turns among them, hit@k whether any is.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from tqdm import tqdm

from memory import MemoryStore, NewMemory
from memory.errors import InvalidInputError
from memory.store import SEARCH_MODES

from .data import ADVERSARIAL, Conversation, Question, load_conversations
from .report import write_outputs


def parse_modes(modes: str) -> list[str]:
    chosen = list(SEARCH_MODES) if modes == "all" else [m.strip() for m in modes.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in SEARCH_MODES]
    if unknown or not chosen:
        raise InvalidInputError("--mode", f"unknown mode(s) {unknown}", f"use all or some of {', '.join(SEARCH_MODES)}")
    return chosen


def run(data: Path, k: int, modes: str, out: Path, limit: int | None = None) -> dict:
    """Run the evaluation and write metrics.json, report.md, recall.png and per-mode retrievals."""
    if k < 1:
        raise InvalidInputError("--k", f"must be at least 1, got {k}")
    chosen = parse_modes(modes)
    conversations = load_conversations(data)
    out.mkdir(parents=True, exist_ok=True)
    store = MemoryStore(path=out / "store")
    n_memories = sum(ingest(store, conversation) for conversation in tqdm(conversations, desc="ingest", unit="conv"))

    questions = [(c, q) for c in conversations for q in answerable(c)[:limit]]
    store.embedder.encode([q.question for _, q in questions])  # one batch, reused by every mode
    ks = sorted({1, 5, k})
    per_mode: dict[str, dict] = {}
    for mode in chosen:
        rows = []
        for conversation, question in tqdm(questions, desc=f"search {mode}", unit="q"):
            hits = store.search(user_of(conversation), question.question, k=max(ks), mode=mode)
            found = [hit.memory.metadata["dia_id"] for hit in hits]
            rows.append({"sample_id": conversation.sample_id, **question.model_dump(), "retrieved": found})
        per_mode[mode] = {"rows": rows, "scores": score(rows, ks)}
    metrics = {
        "n_questions": len(questions),
        "n_memories": n_memories,
        "k": ks,
        "modes": {mode: result["scores"] for mode, result in per_mode.items()},
    }
    write_outputs(out, metrics, {mode: result["rows"] for mode, result in per_mode.items()})
    return metrics


def user_of(conversation: Conversation) -> str:
    return f"locomo-{conversation.sample_id}"


def answerable(conversation: Conversation) -> list[Question]:
    return [q for q in conversation.questions if q.category != ADVERSARIAL and q.evidence]


def ingest(store: MemoryStore, conversation: Conversation) -> int:
    """Each turn becomes a memory dated by its session; skipped when already there (resume)."""
    user_id = user_of(conversation)
    if store.count(user_id) == len(conversation.turns):
        return len(conversation.turns)
    store.forget(user_id)
    items = [
        NewMemory(
            text=turn.as_memory_text(),
            kind="message",
            created_at=turn.session_time + timedelta(seconds=position) if turn.session_time else None,
            source=f"{conversation.sample_id}:{turn.dia_id}",
            context=turn_context(conversation, position),
            metadata={"dia_id": turn.dia_id, "session": turn.session, "speaker": turn.speaker},
        )
        for position, turn in enumerate(conversation.turns)
    ]
    for start in range(0, len(items), store.max_batch):
        store.add_many(user_id, items[start : start + store.max_batch])
    return len(items)


def turn_context(conversation: Conversation, position: int) -> str:
    """The session date and the turn this one answers: what keyword search should also match."""
    turn = conversation.turns[position]
    parts = [f"{turn.session_time:%d %B %Y}"] if turn.session_time else []
    previous = conversation.turns[position - 1] if position else None
    if previous is not None and previous.session == turn.session:
        parts.append(previous.as_memory_text())
    return "\n".join(parts)


def score(rows: list[dict], ks: list[int]) -> dict:
    """recall@k and hit@k over all questions, and the same per question category."""

    def aggregate(subset: list[dict]) -> dict[str, float]:
        result: dict[str, float] = {}
        for k in ks:
            recalls = [len(set(r["evidence"]) & set(r["retrieved"][:k])) / len(set(r["evidence"])) for r in subset]
            hits = [bool(set(r["evidence"]) & set(r["retrieved"][:k])) for r in subset]
            result[f"recall@{k}"] = round(sum(recalls) / len(subset), 4) if subset else 0.0
            result[f"hit@{k}"] = round(sum(hits) / len(subset), 4) if subset else 0.0
        return result

    by_category: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_category[row["category"]].append(row)
    return {**aggregate(rows), "by_category": {str(c): aggregate(by_category[c]) for c in sorted(by_category)}}
