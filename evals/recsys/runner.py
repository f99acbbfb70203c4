"""``rapport eval recsys``: leave-last-out on a MovieLens release (or items + interactions), every method in one run.

With ``--tune`` every hyperparameter is first chosen on the validation split (``evals.recsys.tune``)
and written to ``<out>/tuned.json`` and the data dir's ``recsys/tuned.json``, which the product then
uses; without it the run uses the configuration the product uses now (``tools.tuned.load_tuned``).
Then every method is fitted on the test split's training data and scored once on the test items:
HR@k and NDCG@k over a full ranking, for all users, cold and warm users, and with a synthetic request
(the held-out item's genres). Item and query vectors and SASRec models are cached under ``--out``;
per-user results are appended as they are computed, so a re-run resumes.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from memory.errors import InvalidInputError
from tools.catalog import CatalogIndex
from tools.tuned import PACKAGED, load_tuned, save_tuned, tuned_path

from .data import COLD_BELOW, Split, TestCase, leave_last_out, validation_split
from .datasets import load_dataset
from .methods import QUERY_METHODS, build_methods
from .metrics import hit_and_ndcg
from .report import write_outputs
from .tune import tune as tune_config

PLAIN_METHODS = ("rapport", "popularity", "itemknn", "content", "ease", "sasrec")


def query_text(genres: list[str]) -> str:
    """The synthetic request: the held-out item's genres, as a person might list them."""
    return ", ".join(genres)


def query_vectors(index: CatalogIndex, cases: list[TestCase], cache: Path) -> dict[str, np.ndarray]:
    """One vector per case whose held-out item has genres (user -> vector), texts embedded once and cached."""
    texts = {c.user: query_text(index.items[index.position[c.held_out]].genres) for c in cases}
    texts = {user: text for user, text in texts.items() if text}
    known: dict[str, np.ndarray] = {}
    if cache.is_file():
        with np.load(cache) as stored:
            known = dict(zip(stored["texts"].tolist(), stored["vectors"], strict=True))
    missing = sorted(set(texts.values()) - set(known))
    if missing:
        from memory.embedder import get_embedder

        known.update(zip(missing, get_embedder().encode(missing), strict=True))
        temporary = cache.with_name(cache.name + ".tmp.npz")
        np.savez(temporary, texts=np.array(list(known)), vectors=np.stack(list(known.values())))
        temporary.replace(cache)
    return {user: np.asarray(known[text], dtype=np.float32) for user, text in texts.items()}


def run(
    data: Path | None,
    k: int,
    out: Path,
    users: int | None = None,
    seed: int = 0,
    *,
    tune: bool = False,
    items: Path | None = None,
    interactions: Path | None = None,
    sasrec: bool = True,
    install: bool = True,
) -> dict:
    """Run every method, write metrics.json, report.md, recsys.png and the per-user top-k lists."""
    if not isinstance(k, int) or k < 1:
        raise InvalidInputError("--k", f"must be at least 1, got {k}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cache = out / "cache"
    cache.mkdir(exist_ok=True)
    dataset = load_dataset(data, items=items, interactions=interactions)
    test = leave_last_out(dataset, users=users, seed=seed)
    validation = validation_split(test)
    print(f"{dataset.describe()}; {len(test.cases)} test users, {len(validation.cases)} validation users", flush=True)
    index = CatalogIndex.from_items(test.catalog.items, cache=out / "item_embeddings.npz")
    queries = query_vectors(index, test.cases, cache / "query_vectors.npz")

    if tune:
        val_queries = _validation_queries(index, validation, cache)
        tuned, record = tune_config(validation, index, k=k, base=load_tuned(), queries=val_queries,
                                    with_sasrec=sasrec)  # fmt: skip
        save_tuned(tuned, out / "tuned.json")
        (out / "tuning.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        source = f"chosen by this run (--tune) on the validation split of {dataset.name}"
        if install:
            print(f"installed as the product's defaults: {save_tuned(tuned, tuned_path())}")
    else:
        tuned = load_tuned()
        path = tuned_path() if tuned_path().is_file() else PACKAGED
        source = f"read from {path} (chosen on the validation split of {tuned.dataset or 'unknown data'})"

    started = time.perf_counter()
    methods = build_methods(test, index, tuned.ranking, tuned.collab, tuned.baselines, with_sasrec=sasrec,
                            cache=cache)  # fmt: skip
    print(f"fitted every method in {time.perf_counter() - started:.1f} s", flush=True)
    run_key = {"dataset": dataset.describe(), "k": k, "users": users, "seed": seed,
               "config": hashlib.sha1(tuned.model_dump_json().encode()).hexdigest()}  # fmt: skip
    done = _resume(out, run_key, list(methods))
    speeds: dict[str, float] = {}
    for name, method in methods.items():
        rows = done.setdefault(name, {})
        wants_query = name in QUERY_METHODS
        todo = [c for c in test.cases if c.user not in rows and (not wants_query or c.user in queries)]
        started = time.perf_counter()
        with (out / f"recommendations_{name}.jsonl").open("a", encoding="utf-8") as handle:
            for case in tqdm(todo, desc=name, unit="user"):
                query = queries.get(case.user) if wants_query else None
                top = [index.items[p].id for p in method.rank(case, k, query)]
                rows[case.user] = {"user": case.user, "held_out": case.held_out, "top": top}
                handle.write(json.dumps(rows[case.user]) + "\n")
        if todo:
            speeds[name] = round(len(todo) / max(time.perf_counter() - started, 1e-9), 1)

    metrics = _metrics(test, done, k, queries)
    details = {
        "k": k,
        "dataset": dataset.describe(),
        "n_items": len(index),
        "cold_below": COLD_BELOW,
        "users_per_s": speeds,
        "fit_s": {name: round(m.fit_s, 2) for name, m in methods.items() if name not in QUERY_METHODS},
        "notes": {name: m.note for name, m in methods.items() if m.note},
        "config_source": source,
        "chosen_on": tuned.chosen_on,
        "tuned": json.loads(tuned.model_dump_json()),
    }
    write_outputs(out, metrics, details)
    return metrics


def _zero(index: CatalogIndex) -> np.ndarray:
    return np.zeros(index.embeddings.shape[1], dtype=np.float32)


def _validation_queries(index: CatalogIndex, validation: Split, cache: Path) -> np.ndarray:
    """One query vector per validation case (a zero vector when its held-out item has no genres)."""
    vectors = query_vectors(index, validation.cases, cache / "query_vectors.npz")
    return np.stack([vectors.get(c.user, _zero(index)) for c in validation.cases])


def _scores(rows: dict[str, dict], cases: list[TestCase], k: int) -> dict[str, float]:
    values = [hit_and_ndcg(rows[c.user]["top"], c.held_out, k) for c in cases if c.user in rows]
    if not values:
        return {f"hr@{k}": 0.0, f"ndcg@{k}": 0.0}
    return {f"hr@{k}": round(float(np.mean([v[0] for v in values])), 4),
            f"ndcg@{k}": round(float(np.mean([v[1] for v in values])), 4)}  # fmt: skip


def _metrics(test: Split, done: dict[str, dict], k: int, queries: dict[str, np.ndarray]) -> dict:
    plain = [m for m in PLAIN_METHODS if m in done]
    cold = [c for c in test.cases if c.cold]
    warm = [c for c in test.cases if not c.cold]
    with_query = [c for c in test.cases if c.user in queries]
    return {
        "methods": {m: _scores(done[m], test.cases, k) for m in plain},
        "n_users": len(test.cases),
        "dataset": test.dataset,
        "cold": {"n_users": len(cold), "methods": {m: _scores(done[m], cold, k) for m in plain}},
        "warm": {"n_users": len(warm), "methods": {m: _scores(done[m], warm, k) for m in plain}},
        "with_query": {
            "n_users": len(with_query),
            "methods": {m: _scores(done[m], with_query, k) for m in (*QUERY_METHODS, *plain) if m in done},
        },
    }


def _resume(out: Path, run_key: dict, methods: list[str]) -> dict[str, dict[str, dict]]:
    """Rows of an earlier run with the same settings; a different run starts from scratch."""
    key_file = out / "run.json"
    same = key_file.is_file() and json.loads(key_file.read_text(encoding="utf-8")) == run_key
    done: dict[str, dict[str, dict]] = {}
    for path in out.glob("recommendations_*.jsonl"):
        method = path.stem.removeprefix("recommendations_")
        if not same or method not in methods:
            path.unlink()
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a crash
            done.setdefault(method, {})[row["user"]] = row
    key_file.write_text(json.dumps(run_key) + "\n", encoding="utf-8")
    return done
