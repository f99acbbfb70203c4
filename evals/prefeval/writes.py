"""``rapport eval prefeval --writes``: of real preferences told one by one to one user, how many are lost?

Each distinct preference of the selected items is told, in order, the way a turn's statement is
written (``memory.extraction.reconcile``) on a real store. A preference is lost when it is not
current at the end: retired by a later one, or never stored because an earlier, different one was
taken for it. Every PrefEval preference is compatible with the others, so the target is none.
"""

from __future__ import annotations

import json
from pathlib import Path

from tqdm import tqdm

from memory import MemoryStore
from memory.extraction import Candidate, reconcile

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
        lost = [{"preference": t, "replaced_by": retired_by.get(t, "")} for t in texts if t not in current]
        for row in lost:
            vectors = store.embedder.encode([row["preference"], row["replaced_by"] or row["preference"]])
            row["cosine"] = round(float(vectors[0] @ vectors[1]), 3)
    finally:
        store.close()
    paraphrased = [row for row in lost if row["replaced_by"] and row["cosine"] >= PARAPHRASE_COSINE]
    metrics = {
        "told": len(texts),
        "current": len(texts) - len(lost),
        "lost": len(lost),
        "lost_to_a_paraphrase": len(paraphrased),
        "examples": lost[:20],
    }
    (out / "writes.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    print(
        f"told {len(texts)} preferences to one user: {len(texts) - len(lost)} current, {len(lost)} lost "
        f"({len(paraphrased)} of them to a paraphrase, cosine >= {PARAPHRASE_COSINE})"
    )
    for row in lost[:10]:
        print(f"  lost: {row['preference']!r} <- {row['replaced_by']!r} (cosine {row['cosine']})")
    return metrics
