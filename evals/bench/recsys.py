"""Recommendation speed, beside the item-kNN baseline measured in the same run.

- recommend latency p50/p99: ``Recommender.recommend`` for a user with ``history`` interactions stored
  as memories (real Chroma store and catalog in a tmp folder), over the full catalog; with and
  without a query; beside item-kNN alone (score the same history, take the top 10);
- eval throughput: users per second of the ``rapport`` and ``itemknn`` rankers of ``rapport eval recsys``.

Run: ``python -m evals.bench.recsys`` or ``rapport bench recsys``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from agent.settings import Settings
from evals.recsys.data import leave_last_out
from evals.recsys.runner import build_rankers
from memory import MemoryStore
from tools.catalog import Catalog, CatalogIndex
from tools.interactions import record_interactions
from tools.pipeline import history_profile
from tools.recommend import Recommender
from tools.retrieval import ItemKNN, filter_mask, interaction_matrix, top_positions


def percentiles(samples_s: list[float]) -> dict[str, float]:
    values = np.array(samples_s) * 1000
    return {"p50_ms": round(float(np.percentile(values, 50)), 2), "p99_ms": round(float(np.percentile(values, 99)), 2)}


def timed(function: Callable[[], object], repeats: int) -> list[float]:
    function()  # warm-up
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def run(data: Path, history: int = 200, requests: int = 200, users: int = 200) -> dict:
    split = leave_last_out(data)
    cache = Settings().cache_dir.expanduser() / "recsys" / "item_embeddings.npz"
    index = CatalogIndex.from_items(split.catalog.items, cache=cache)
    knn = ItemKNN.fit(interaction_matrix(index, split.train_by_user))
    donor = max(split.train_by_user.values(), key=len)
    interactions = donor[-history:]
    results: dict[str, dict] = {"catalog_items": {"count": len(index)}, "history": {"count": len(interactions)}}

    with tempfile.TemporaryDirectory() as folder:
        store = MemoryStore(path=Path(folder) / "chroma")
        catalog = Catalog(path=Path(folder) / "chroma", embedder=store.embedder)
        catalog.load(index.items, embeddings=index.embeddings)
        record_interactions(store, catalog.index(), "bench-user", interactions)
        recommender = Recommender(store, catalog, knn=knn)
        store.embedder.encode(["a funny film for tonight"])
        results["recommend"] = percentiles(timed(lambda: recommender.recommend("bench-user", k=10), requests))
        results["recommend_query"] = percentiles(
            timed(lambda: recommender.recommend("bench-user", k=10, query="a funny film for tonight"), requests)
        )
        profile, _ = history_profile(index, interactions)
        mask = filter_mask(index, None, profile.positions)
        results["itemknn_baseline"] = percentiles(
            timed(lambda: top_positions(knn.scores(profile.positions), mask, 10), requests)
        )

    rankers = build_rankers(split, index)
    cases = split.cases[:users]
    for method in ("rapport", "itemknn"):
        start = time.perf_counter()
        for case in cases:
            rankers[method](case, 10)
        results[f"eval_{method}"] = {"users_per_s": round(len(cases) / (time.perf_counter() - start), 1)}
    for name, values in results.items():
        print(f"{name:18s} " + "  ".join(f"{key} {value}" for key, value in values.items()))
    print(json.dumps(results))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/data/movielens-small"))
    parser.add_argument("--history", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--users", type=int, default=200)
    args = parser.parse_args()
    run(args.data, args.history, args.requests, args.users)


if __name__ == "__main__":
    main()
