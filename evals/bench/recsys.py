"""Recommendation speed, each number beside a baseline measured in the same run.

- fit: everyone's collaborative models (EASE with the tuned settings + item-kNN, what ``rapport
  interactions import`` and the background refit do) on the dataset's ratings, beside item-kNN alone;
- recommend latency p50/p99: ``Recommender.recommend`` for a user with ``history`` interactions stored
  as memories (real Chroma store and catalog in a tmp folder) over a catalog of ``items`` items (the
  dataset's, topped up with copies under new ids when it has fewer), with and without a query, beside
  item-kNN alone (score the same history, take the top 10);
- eval throughput: users per second of the ``rapport`` and ``itemknn`` rankers of ``rapport eval recsys``.

Run: ``python -m evals.bench.recsys`` or ``rapport bench recsys``. On a shared machine the times are
inflated by the other processes; the ratios are the comparable part.
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
from evals.recsys.datasets import load_dataset
from evals.recsys.methods import build_methods
from memory import MemoryStore
from tools.catalog import Catalog, CatalogIndex
from tools.collab import CollabModel
from tools.interactions import record_interactions
from tools.items import Item
from tools.pipeline import history_profile
from tools.recommend import Recommender
from tools.retrieval import ItemKNN, filter_mask, interaction_matrix, top_positions
from tools.tuned import load_tuned


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


def padded(index: CatalogIndex, size: int) -> CatalogIndex:
    """The catalog topped up to ``size`` items with copies of its items under new ids (same text and vector)."""
    if len(index) >= size:
        return index
    extra = size - len(index)
    copies = [
        Item(**{**index.items[n % len(index)].model_dump(), "id": f"bench-copy-{n}", "attributes": {}})
        for n in range(extra)
    ]
    vectors = np.vstack([index.embeddings, index.embeddings[np.arange(extra) % len(index)]])
    return CatalogIndex(index.items + copies, vectors)


def run(data: Path, history: int = 200, requests: int = 200, users: int = 200, items: int = 10_000) -> dict:
    dataset = load_dataset(data)
    split = leave_last_out(dataset)
    cache = Settings().cache_dir.expanduser() / "recsys" / "item_embeddings.npz"
    index = padded(CatalogIndex.from_items(split.catalog.items, cache=cache), items)
    tuned = load_tuned()
    results: dict[str, dict] = {"catalog_items": {"count": len(index)}, "dataset": {"name": dataset.name}}

    started = time.perf_counter()
    ItemKNN.fit(interaction_matrix(index, dataset.by_user))
    knn_s = time.perf_counter() - started
    models = CollabModel.fit(index, dataset.by_user, tuned.collab)
    results["fit_collab"] = {"seconds": round(models.fit_s, 2), "itemknn_alone_s": round(knn_s, 2),
                             "ease_items": len(models.ease.items) if models.ease is not None else 0,
                             "ratio": round(models.fit_s / max(knn_s, 1e-9), 1)}  # fmt: skip

    donor = max(split.train_by_user.values(), key=len)
    interactions = donor[-history:]
    results["history"] = {"count": len(interactions)}
    with tempfile.TemporaryDirectory() as folder:
        store = MemoryStore(path=Path(folder) / "chroma")
        catalog = Catalog(path=Path(folder) / "chroma", embedder=store.embedder)
        catalog.load(index.items, embeddings=index.embeddings)
        record_interactions(store, catalog.index(), "bench-user", interactions)
        models_dir = Settings().cache_dir.expanduser() / "recsys" / "bench"  # keeps the request vectors between runs
        recommender = Recommender(store, catalog, knn=models.knn, ease=models.ease, knn_path=models_dir / "knn.npz")
        store.embedder.encode(["a funny film for tonight"])
        results["recommend"] = percentiles(timed(lambda: recommender.recommend("bench-user", k=10), requests))
        results["recommend_query"] = percentiles(
            timed(lambda: recommender.recommend("bench-user", k=10, query="a funny film for tonight"), requests)
        )
        profile, _ = history_profile(index, interactions)
        mask = filter_mask(index, None, profile.positions)
        results["itemknn_baseline"] = percentiles(
            timed(lambda: top_positions(models.knn.scores(profile.positions), mask, 10), requests)
        )
        results["recommend"]["vs_itemknn"] = round(
            results["recommend"]["p50_ms"] / max(results["itemknn_baseline"]["p50_ms"], 1e-9), 1
        )

    real = CatalogIndex(index.items[: len(split.catalog.items)], index.embeddings[: len(split.catalog.items)])
    methods = build_methods(split, real, tuned.ranking, tuned.collab, tuned.baselines, with_sasrec=False)
    cases = split.cases[:users]
    for method in ("rapport", "itemknn"):
        start = time.perf_counter()
        for case in cases:
            methods[method].rank(case, 10, None)
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
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    run(args.data, args.history, args.requests, args.users, args.items)


if __name__ == "__main__":
    main()
