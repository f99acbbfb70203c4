"""Run labelled pairs through extraction and reconciliation on a real store, and score the outcome."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from memory import MemoryStatus, MemoryStore
from memory.extraction import reconcile, statements

from .pairs import Pair, load_pairs
from .report import write_outputs

# Unrelated memories stored beside each pair's old one: a statement that retires one of them is a
# false positive too, counted on its own as "collateral".
BACKGROUND = ("My birthday is in March.", "I'm left-handed.", "I grew up near the sea.")


def judge(store: MemoryStore, user_id: str, pair: Pair) -> dict:
    """Store ``pair.old`` (and the background), tell ``pair.new``, and see what was retired."""
    old = store.add(user_id, pair.old)
    background = store.add_many(user_id, list(BACKGROUND))
    told = statements(store.embedder, pair.new)
    actions = [reconcile(store, user_id, candidate, source="eval").action for candidate in told]
    retired = store.get(user_id, old.id).status is MemoryStatus.SUPERSEDED
    collateral = [m.text for m in background if store.get(user_id, m.id).status is MemoryStatus.SUPERSEDED]
    return {
        "domain": pair.domain,
        "old": pair.old,
        "new": pair.new,
        "expected": pair.supersede,
        "predicted": retired,
        "statements": [c.text for c in told],
        "actions": actions,
        "collateral": collateral,
    }


def score(rows: Sequence[dict]) -> dict:
    """Precision, recall and F1 of "supersede", overall and per domain, plus collateral retirements."""

    def counts(selected: Sequence[dict]) -> dict:
        tp = sum(r["expected"] and r["predicted"] for r in selected)
        fp = sum(not r["expected"] and r["predicted"] for r in selected)
        fn = sum(r["expected"] and not r["predicted"] for r in selected)
        tn = len(selected) - tp - fp - fn
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "n": len(selected),
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "tn": tn,
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
        }

    domains = sorted({r["domain"] for r in rows})
    return {
        **counts(rows),
        "collateral": sum(len(r["collateral"]) for r in rows),
        "by_domain": {d: counts([r for r in rows if r["domain"] == d]) for d in domains},
    }


def run(
    pair_files: Sequence[Path],
    *,
    out: Path | None = None,
    limit: int | None = None,
    store: MemoryStore | None = None,
    progress: bool = True,
) -> dict:
    """Judge every pair of every file (each pair for a user of its own); returns metrics per file and overall.

    With ``out``, predictions are appended as they are made and a rerun skips the pairs already judged.
    """
    sets = {Path(path).stem: load_pairs(Path(path))[:limit] for path in pair_files}
    done = _done(out) if out else {}
    with tempfile.TemporaryDirectory(prefix="rapport-supersede-") as folder:
        store = store or MemoryStore(path=Path(folder) / "chroma")
        rows_by_set: dict[str, list[dict]] = {}
        log = (out / "predictions.jsonl").open("a", encoding="utf-8") if out else None
        try:
            for name, pairs in sets.items():
                rows = []
                for index, pair in enumerate(tqdm(pairs, desc=f"supersede {name}", unit="pair", disable=not progress)):
                    key = f"{name}:{index}"
                    if key in done and done[key]["old"] == pair.old and done[key]["new"] == pair.new:
                        rows.append(done[key])
                        continue
                    row = {"key": key, **judge(store, f"supersede-{name}-{index}", pair)}
                    rows.append(row)
                    if log is not None:
                        log.write(json.dumps(row, ensure_ascii=False) + "\n")
                        log.flush()
                rows_by_set[name] = rows
        finally:
            if log is not None:
                log.close()
    metrics = {name: score(rows) for name, rows in rows_by_set.items()}
    metrics["all"] = score([row for rows in rows_by_set.values() for row in rows])
    if out is not None:
        write_outputs(out, metrics, rows_by_set)
    return metrics


def _done(out: Path) -> dict[str, dict]:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "predictions.jsonl"
    if not path.exists():
        return {}
    done = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:  # a line cut short by a crash is judged again
            continue
        done[row["key"]] = row
    return done
