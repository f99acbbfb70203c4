"""Memory store speed, each number beside a baseline measured in the same run.

- ingest: ``add_many`` throughput against the raw embedder encoding the same texts;
- search: p50/p99 latency of ``dense`` and ``hybrid`` at each store size (memories spread over users)
  against a brute-force numpy cosine scan of the same user's vectors plus the query's encoding.

Run: ``python -m evals.bench.memory`` or ``rapport bench memory``.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm import tqdm

from memory import MemoryStore
from memory.embedder import Embedder, get_embedder

SUBJECTS = ["My sister", "My manager", "I", "Our neighbour", "My best friend", "Grandpa", "The team", "My partner"]
VERBS = ["loves", "hates", "started", "booked", "cooked", "painted", "visited", "forgot", "bought", "recommended"]
OBJECTS = [
    "sushi in Kyoto", "a cabin near Tromsø", "the new Murakami novel", "salsa classes", "a vegan lasagna",
    "the jazz festival", "a road trip to Porto", "an old Volvo", "rock climbing", "the marathon in Berlin",
    "a pottery course", "a red bicycle", "the chess club", "a sourdough starter", "tickets for Hamlet",
]
WHEN = ["last week", "in 2019", "every Sunday", "yesterday", "after the wedding", "during the holidays", "at night"]


def synthetic_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(WHEN)} (note {seed}-{i})"
        for i in range(count)
    ]


def percentiles(samples_s: list[float]) -> dict[str, float]:
    values = np.array(samples_s) * 1000
    return {"p50_ms": round(float(np.percentile(values, 50)), 2), "p99_ms": round(float(np.percentile(values, 99)), 2)}


def bench_ingest(embedder: Embedder, folder: Path, count: int) -> dict[str, float]:
    embedder.encode_uncached(synthetic_texts(256, seed=1))  # warm-up: first calls allocate
    texts = synthetic_texts(count, seed=2)
    start = time.perf_counter()
    embedder.encode_uncached(texts)
    encode_s = time.perf_counter() - start

    store = MemoryStore(path=folder / "ingest", embedder=embedder)
    start = time.perf_counter()
    for offset in range(0, count, 500):
        store.add_many("ingest-user", texts[offset : offset + 500])
    store_s = time.perf_counter() - start
    return {
        "texts": count,
        "encode_per_s": round(count / encode_s, 1),
        "add_many_per_s": round(count / store_s, 1),
        "store_overhead": round(store_s / encode_s - 1, 3),
    }


def build_store(embedder: Embedder, folder: Path, size: int, users: int) -> tuple[MemoryStore, dict[str, np.ndarray]]:
    """``size`` memories over ``users`` users; vectors are real MiniLM embeddings of a text pool, jittered."""
    pool_texts = synthetic_texts(2000, seed=3)
    pool = embedder.encode(pool_texts)
    rng = np.random.default_rng(size)
    store = MemoryStore(path=folder / f"search-{size}", embedder=embedder)
    vectors_by_user: dict[str, np.ndarray] = {}
    per_user = size // users
    for user in tqdm(range(users), desc=f"build {size:,}", unit="user"):
        picks = rng.integers(0, len(pool), per_user)
        vectors = pool[picks] + rng.normal(0, 0.02, (per_user, pool.shape[1])).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        texts = [f"{pool_texts[p]} #{user}-{i}" for i, p in enumerate(picks)]
        user_id = f"bench-user-{user}"
        for offset in range(0, per_user, store.max_batch):
            end = offset + store.max_batch
            store.add_many(user_id, texts[offset:end], embeddings=vectors[offset:end])
        vectors_by_user[user_id] = vectors
    return store, vectors_by_user


def timed(call: Callable[..., object], *args: object, **kwargs: object) -> float:
    start = time.perf_counter()
    call(*args, **kwargs)
    return time.perf_counter() - start


def numpy_scan(embedder: Embedder, vectors: np.ndarray, text: str, k: int = 10) -> np.ndarray:
    """The baseline: encode the query, score every vector of the user, keep the top k."""
    query = embedder.encode_uncached([text])[0]
    scores = vectors @ query
    top = np.argpartition(-scores, k)[:k]
    return top[np.argsort(-scores[top])]


def bench_search(embedder: Embedder, folder: Path, size: int, users: int, queries: int) -> dict[str, dict]:
    store, vectors_by_user = build_store(embedder, folder, size, users)
    user_ids = list(vectors_by_user)
    for user_id in user_ids:  # steady state: each user's records and keyword index already loaded
        store.search(user_id, "warm up", k=10, mode="hybrid")
    query_texts = synthetic_texts(queries * 3, seed=size + 7)
    samples: dict[str, list[float]] = {"numpy_scan": [], "dense": [], "hybrid": []}
    for i in tqdm(range(queries), desc=f"search {size:,}", unit="q"):
        user_id = user_ids[i % len(user_ids)]
        scan_text, dense_text, hybrid_text = query_texts[3 * i : 3 * i + 3]
        samples["numpy_scan"].append(timed(numpy_scan, embedder, vectors_by_user[user_id], scan_text))
        samples["dense"].append(timed(store.search, user_id, dense_text, k=10, mode="dense"))
        samples["hybrid"].append(timed(store.search, user_id, hybrid_text, k=10, mode="hybrid"))
    result = {name: percentiles(values) for name, values in samples.items()}
    baseline = result["numpy_scan"]["p50_ms"]
    for mode in ("dense", "hybrid"):
        result[mode]["p50_vs_numpy"] = round(result[mode]["p50_ms"] / baseline, 2)
    return result


def run(sizes: list[int], users: int = 100, queries: int = 200, ingest: int = 2000) -> dict:
    """Run every measurement, print a table and one JSON line, and return the numbers."""
    embedder = get_embedder()
    with tempfile.TemporaryDirectory(prefix="rapport-bench-") as tmp:
        folder = Path(tmp)
        report: dict = {"ingest": bench_ingest(embedder, folder, ingest), "search": {}}
        for size in sizes:
            report["search"][str(size)] = bench_search(embedder, folder, size, users, queries)
    print(markdown(report))
    print(json.dumps(report))
    return report


def markdown(report: dict) -> str:
    ingest = report["ingest"]
    lines = [
        f"ingest of {ingest['texts']} texts: add_many {ingest['add_many_per_s']}/s, raw encode "
        f"{ingest['encode_per_s']}/s, store overhead {ingest['store_overhead']:+.1%}",
        "",
        "| memories | numpy scan p50/p99 ms | dense p50/p99 ms | hybrid p50/p99 ms | dense/scan | hybrid/scan |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for size, result in report["search"].items():
        scan, dense, hybrid = result["numpy_scan"], result["dense"], result["hybrid"]
        lines.append(
            f"| {int(size):,} | {scan['p50_ms']} / {scan['p99_ms']} | {dense['p50_ms']} / {dense['p99_ms']} | "
            f"{hybrid['p50_ms']} / {hybrid['p99_ms']} | {dense['p50_vs_numpy']}x | {hybrid['p50_vs_numpy']}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    run([int(s) for s in args.sizes.split(",")], users=args.users, queries=args.queries)


if __name__ == "__main__":
    main()
