"""``rapport eval recsys``: leave-last-out on a MovieLens-format folder, four rankers in one run.

Methods: ``popularity`` (interaction count), ``itemknn`` (cosine on the binary matrix, whole history),
``content`` (MiniLM cosine to the user's liked items) and ``rapport`` (``tools.pipeline.rank_items``,
the ranking ``Recommender`` serves, fed only the training interactions). Each ranks every item the
user has not rated; HR@k and NDCG@k of the held-out item. Item embeddings are cached under
``--out``; per-user results are appended as they are computed, so a re-run resumes.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm import tqdm

from memory.errors import InvalidInputError
from tools.catalog import CatalogIndex
from tools.pipeline import RankingConfig, history_profile, rank_items
from tools.ranking import preference_scores
from tools.retrieval import ItemKNN, filter_mask, interaction_matrix, top_positions

from .data import Split, TestCase, leave_last_out
from .report import write_outputs

METHODS = ("rapport", "popularity", "itemknn", "content")
Ranker = Callable[[TestCase, int], list[int]]


def build_rankers(split: Split, index: CatalogIndex, config: RankingConfig | None = None) -> dict[str, Ranker]:
    """One function per method: (test case, k) -> the top-k catalog positions, training data only."""
    knn = ItemKNN.fit(interaction_matrix(index, split.train_by_user))
    counts = knn.counts

    def seen_mask(positions: np.ndarray) -> np.ndarray:
        return filter_mask(index, None, positions)

    def popularity(case: TestCase, k: int) -> list[int]:
        profile, _ = history_profile(index, case.train)
        return top_positions(counts, seen_mask(profile.positions), k).tolist()

    def itemknn(case: TestCase, k: int) -> list[int]:
        profile, _ = history_profile(index, case.train)
        return top_positions(knn.scores(profile.positions), seen_mask(profile.positions), k).tolist()

    def content(case: TestCase, k: int) -> list[int]:
        profile, _ = history_profile(index, case.train)
        scores = preference_scores(index.embeddings, profile, half_life=math.inf, dislike_weight=0.0)
        return top_positions(scores, seen_mask(profile.positions), k).tolist()

    def rapport(case: TestCase, k: int) -> list[int]:
        profile, _ = history_profile(index, case.train)
        chosen, _, _ = rank_items(index, profile, k, config=config, knn=knn, popularity=counts)
        return chosen

    return {"rapport": rapport, "popularity": popularity, "itemknn": itemknn, "content": content}


def hit_and_ndcg(ranked: list[str], held_out: str, k: int) -> tuple[float, float]:
    if held_out in ranked[:k]:
        return 1.0, 1.0 / math.log2(ranked.index(held_out) + 2)
    return 0.0, 0.0


def run(data: Path, k: int, out: Path, users: int | None = None, seed: int = 0) -> dict:
    """Run every method, write metrics.json, report.md, recsys.png and the per-user top-k lists."""
    if not isinstance(k, int) or k < 1:
        raise InvalidInputError("--k", f"must be at least 1, got {k}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    split = leave_last_out(data, users=users, seed=seed)
    print(f"{split.catalog.summary()}; {len(split.cases)} test users", flush=True)
    index = CatalogIndex.from_items(split.catalog.items, cache=out / "item_embeddings.npz")
    start = time.perf_counter()
    rankers = build_rankers(split, index)
    fit_s = time.perf_counter() - start

    run_key = {"data": str(Path(data).resolve()), "k": k, "users": users, "seed": seed}
    done = _resume(out, run_key)
    timings: dict[str, float] = {}
    for method, ranker in rankers.items():
        rows = done.setdefault(method, {})
        todo = [case for case in split.cases if case.user not in rows]
        started = time.perf_counter()
        with (out / f"recommendations_{method}.jsonl").open("a", encoding="utf-8") as handle:
            for case in tqdm(todo, desc=method, unit="user"):
                top = [index.items[p].id for p in ranker(case, k)]
                rows[case.user] = {"user": case.user, "held_out": case.held_out, "top": top}
                handle.write(json.dumps(rows[case.user]) + "\n")
        if todo:
            timings[method] = round(len(todo) / max(time.perf_counter() - started, 1e-9), 1)

    methods = {}
    for method in rankers:
        scores = [hit_and_ndcg(done[method][case.user]["top"], case.held_out, k) for case in split.cases]
        methods[method] = {
            f"hr@{k}": round(float(np.mean([s[0] for s in scores])), 4),
            f"ndcg@{k}": round(float(np.mean([s[1] for s in scores])), 4),
        }
    metrics = {"methods": methods, "n_users": len(split.cases)}
    details = {"k": k, "users_per_s": timings, "fit_itemknn_s": round(fit_s, 2), "n_items": len(index)}
    write_outputs(out, metrics, details)
    return metrics


def _resume(out: Path, run_key: dict) -> dict[str, dict[str, dict]]:
    """Rows of an earlier run with the same settings; a different run starts from scratch."""
    key_file = out / "run.json"
    same = key_file.is_file() and json.loads(key_file.read_text(encoding="utf-8")) == run_key
    done: dict[str, dict[str, dict]] = {}
    for method in METHODS:
        path = out / f"recommendations_{method}.jsonl"
        if not same:
            path.unlink(missing_ok=True)
            continue
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut by a crash
                done.setdefault(method, {})[row["user"]] = row
    key_file.write_text(json.dumps(run_key) + "\n", encoding="utf-8")
    return done
