"""``rapport eval prefeval --writes``: of real preferences told one by one to one user, how many are lost?

Each distinct preference of the selected items is told, in order, the way a turn's statement is
written (``memory.extraction.reconcile``) on a real store. A preference is lost when it is not
current at the end and no current memory says the same (``DUPLICATE_SIMILARITY``, same names and
numbers): retired by a later, different one, or never stored because an earlier, different one was
taken for it. One said again in other words ("I dislike reptiles as pets" / "I don't like reptiles
as pets") is kept once and counted as restated, not lost. Every PrefEval preference is compatible
with the others, so the target is none lost.
"""

from __future__ import annotations

import json
from pathlib import Path

from tqdm import tqdm

from memory import MemoryStore
from memory.extraction import DUPLICATE_SIMILARITY, Candidate, reconcile
from memory.reading.values import distinct_values

from .data import load_topics

USER_ID = "prefeval-writes"
PARAPHRASE_COSINE = 0.8  # a preference replaced by one this close was said again in other words


def run(data: Path, out: Path, per_topic: int = 20) -> dict:
    texts = list(dict.fromkeys(item.preference for items in load_topics(data, per_topic).values() for item in items))
    out.mkdir(parents=True, exist_ok=True)
    store = MemoryStore(path=out / "store")
    try:
        store.forget(USER_ID)
        retired_by: dict[str, str] = {}
        for text in tqdm(texts, desc="tell", unit="preference"):
            outcome = reconcile(store, USER_ID, Candidate(text=text, kind="preference"), source="eval")
            if outcome.action == "ignore" and outcome.memory is not None and outcome.memory.text != text:
                retired_by[text] = outcome.memory.text
            for replaced in [outcome.replaced, *outcome.also] if outcome.action == "supersede" else []:
                if replaced is not None:
                    retired_by[replaced.text] = text
        current = {m.text for m in store.list(USER_ID, limit=len(texts) * 2)}
        gone = [{"preference": t, "replaced_by": retired_by.get(t, "")} for t in texts if t not in current]
        for row in gone:
            vectors = store.embedder.encode([row["preference"], row["replaced_by"] or row["preference"]])
            row["cosine"] = round(float(vectors[0] @ vectors[1]), 3)
    finally:
        store.close()
    restated = [row for row in gone if _says_the_same(row, current)]
    lost = [row for row in gone if row not in restated]
    paraphrased = [row for row in lost if row["replaced_by"] and row["cosine"] >= PARAPHRASE_COSINE]
    metrics = {
        "told": len(texts),
        "current": len(texts) - len(gone),
        "restated": len(restated),
        "lost": len(lost),
        "lost_to_a_paraphrase": len(paraphrased),
        "examples": lost[:20],
        "restated_examples": restated[:20],
    }
    (out / "writes.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    print(
        f"told {len(texts)} preferences to one user: {len(texts) - len(gone)} current, "
        f"{len(restated)} kept once as said again in other words, {len(lost)} lost "
        f"({len(paraphrased)} of them to a paraphrase, cosine >= {PARAPHRASE_COSINE})"
    )
    for row in lost[:10]:
        print(f"  lost: {row['preference']!r} <- {row['replaced_by']!r} (cosine {row['cosine']})")
    return metrics


def _says_the_same(row: dict, current: set[str]) -> bool:
    """Whether the memory that took a preference's place is current and says the same thing."""
    other = row["replaced_by"]
    return other in current and row["cosine"] >= DUPLICATE_SIMILARITY and not distinct_values(row["preference"], other)
