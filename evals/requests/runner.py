"""``rapport eval requests``: recommendation requests in words, checked automatically on the top k.

Each request is answered for a user with no history and for users with different tastes taken from
the ratings (the strongest fans of different genres), with the product's collaborative models (EASE
and item-kNN fitted on every rating) and its tuned ranking weights, by two methods:

- ``rapport``: the product's path (``tools.request_ranking.rank_request``): the deterministic parser's
  facets, hard constraints with relaxation, the quality prior and the user's own signals;
- ``query-embedding``: what came before it, the whole request embedded and matched against item text
  with titles (``tools.pipeline.rank_items`` with a query vector), as a baseline in the same run.

Reported: facet precision@k (share of picks passing the request's checks), title-word echo (share of
picks whose title shares a word with a request that names no title), mean rating of the picks, and
the Jaccard overlap of different users' lists for the same request. Picks are appended to
``predictions.jsonl`` as they are made, so a re-run with the same settings resumes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from itertools import combinations
from pathlib import Path

import numpy as np
from tqdm import tqdm

from memory.embedder import get_embedder
from memory.errors import InvalidInputError
from tools.catalog import CatalogIndex
from tools.collab import CollabModel
from tools.interactions import LIKE_RATING, Interaction, read_ratings
from tools.items import load_movielens_items
from tools.pipeline import history_profile, rank_items
from tools.request_context import RequestContext, request_context
from tools.request_lexicon import FILLER, word_set
from tools.request_parser import parse_request
from tools.request_ranking import rank_request
from tools.request_vocabulary import normalize, variants
from tools.tuned import load_tuned

from .cases import Case, failed_checks, load_cases
from .report import write_outputs

METHODS = ("rapport", "query-embedding")
COLD_USER = "cold"
MIN_TASTE_RATINGS = 50
STOP = word_set("the and for with from that this not too but any")


def taste_users(
    by_user: dict[str, list[Interaction]], index: CatalogIndex, n: int, min_ratings: int = MIN_TASTE_RATINGS
) -> list[str]:
    """``n`` users with clearly different tastes: in turn, the strongest fan (by lift over the catalog's
    genre shares among their liked items) of each genre not yet anyone's favourite."""
    base = Counter(g for item in index.items for g in set(item.genres))
    total = len(index)
    common = max(2, total // 100)  # a genre of a handful of items says little about a taste
    lifts: dict[str, dict[str, float]] = {}
    for user, interactions in by_user.items():
        liked = [i for i in interactions if (i.rating or 0) >= LIKE_RATING and i.item_id in index.position]
        if len(interactions) < min_ratings or len(liked) < min_ratings // 2:
            continue
        counts = Counter(g for i in liked for g in set(index.items[index.position[i.item_id]].genres))
        lifts[user] = {g: (c / len(liked)) / (base[g] / total) for g, c in counts.items() if base[g] >= common}
    order = sorted(base, key=lambda g: -base[g])
    chosen: list[str] = []
    favourites: set[str] = set()
    for genre in order:
        if len(chosen) >= n:
            break
        candidates = [u for u in lifts if u not in chosen and genre in lifts[u]]
        if not candidates:
            continue
        best = max(candidates, key=lambda u: (lifts[u][genre], u))
        top = max(lifts[best], key=lifts[best].get)
        if top in favourites:
            continue
        chosen.append(best)
        favourites.add(top)
    return chosen


def echo_words(text: str) -> set[tuple[str, ...]]:
    """The request's content words (and their singulars), for the title-echo measure."""
    words = [w for w in normalize(text).split() if len(w) >= 3 and w not in FILLER and w not in STOP]
    return {form for word in words for form in variants((word,))}


def title_echoes(title: str, request_words: set[tuple[str, ...]]) -> bool:
    bare = re.sub(r"\(\d{4}(?:[-–]\d{0,4})?\)\s*$", "", title)
    return any(form in request_words for word in normalize(bare).split() for form in variants((word,)))


def run(
    data: Path,
    out: Path,
    *,
    requests: Path | None = None,
    k: int = 5,
    users: int = 4,
    limit: int | None = None,
    cache: Path | None = None,
    min_ratings: int = MIN_TASTE_RATINGS,
) -> dict:
    """Answer every request for the cold user and ``users`` taste users; write predictions, metrics, report, plot."""
    if k < 1:
        raise InvalidInputError("--k", f"must be at least 1, got {k}")
    if users < 2:
        raise InvalidInputError("--users", f"must be at least 2 (lists of different users are compared), got {users}")
    data, out = Path(data), Path(out)
    if not data.is_dir():
        raise InvalidInputError("--data", f"{data} is not a folder", "pass a MovieLens folder with movies.csv")
    cases = load_cases(requests)[: limit or None]
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(cache) if cache else out
    catalog = load_movielens_items(data)
    ratings = read_ratings(data / "ratings.csv")
    embedder = get_embedder()
    print(f"{catalog.summary()}; {len(cases)} requests", flush=True)
    index = CatalogIndex.from_items(catalog.items, embedder, cache=cache / "item_embeddings.npz")
    context = request_context(index, embedder, cache=cache / "meaning_vectors.npz")
    collab = CollabModel.fit(index, ratings.by_user, load_tuned().collab)  # the product's EASE and item-kNN
    knn, ease = collab.knn, collab.ease
    people = taste_users(ratings.by_user, index, users, min_ratings)
    if len(people) < 2:
        raise InvalidInputError("--data", f"fewer than 2 users with {min_ratings}+ ratings and a clear taste")
    profiles = {COLD_USER: history_profile(index, [])[0]}
    profiles.update({f"user-{u}": history_profile(index, ratings.by_user[u])[0] for u in people})

    run_key = {"data": str(data.resolve()), "k": k, "users": people, "requests": _digest(cases)}
    done = _resume(out, run_key)
    todo = [(c, u, m) for c in cases for u in profiles for m in METHODS if (c.id, u, m) not in done]
    parsed = {case.id: parse_request(case.text, context.vocabulary) for case in cases}
    queries = dict(zip([c.text for c in cases], embedder.encode([c.text for c in cases]), strict=True))
    with (out / "predictions.jsonl").open("a", encoding="utf-8") as handle:
        for case, user, method in tqdm(todo, desc="requests", unit="list"):
            profile = profiles[user]
            row = {"id": case.id, "user": user, "method": method}
            if method == "rapport":
                chosen, _, _, plan = rank_request(
                    context, profile, parsed[case.id], k, embedder=embedder, knn=knn, ease=ease
                )
                row["reasons"] = [plan.reasons(p) for p in chosen]
                row["notes"] = plan.notes
            else:
                chosen, _, _ = rank_items(index, profile, k, knn=knn, ease=ease, query_vector=queries[case.text])
            row["picks"] = [index.items[p].id for p in chosen]
            done[(case.id, user, method)] = row
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")

    metrics, failures = score(cases, done, context, list(profiles), k)
    metrics["users"] = {"cold": COLD_USER, "history": [f"user-{u}" for u in people]}
    details = {
        "k": k,
        "n_requests": len(cases),
        "facets": {c.id: parsed[c.id].model_dump(exclude_defaults=True) for c in cases},
        "failures": failures,
        "examples": _examples(cases, done, index, list(profiles)),
    }
    write_outputs(out, metrics, details)
    return metrics


def score(
    cases: list[Case], done: dict[tuple[str, str, str], dict], context: RequestContext, users: list[str], k: int
) -> tuple[dict, list[dict]]:
    """Metrics per method (overall, per kind, per user group) and the picks that failed a check."""
    index = context.index
    catalog_mean = float(np.nanmean(context.rating_means))
    metrics: dict = {"k": k, "catalog_mean_rating": round(catalog_mean, 3), "methods": {}}
    failures = []
    for method in METHODS:
        precision: dict[str, list[float]] = {"all": [], "cold": [], "history": []}
        by_kind: dict[str, list[float]] = {}
        echoes, ratings, jaccards, cold_jaccards = [], [], [], []
        for case in cases:
            words = echo_words(case.text)
            lists = {}
            for user in users:
                row = done[(case.id, user, method)]
                items = [index.items[index.position[i]] for i in row["picks"]]
                lists[user] = set(row["picks"])
                passed = []
                for n, item in enumerate(items):
                    failed = failed_checks(item, case.checks)
                    passed.append(0.0 if failed else 1.0)
                    if failed and method == "rapport":
                        failures.append({"id": case.id, "user": user, "title": item.title, "genres": item.genres,
                                         "year": item.year, "failed": failed,
                                         "reason": row.get("reasons", [[]] * len(items))[n]})  # fmt: skip
                    if case.kind != "similar":
                        echoes.append(1.0 if title_echoes(item.title, words) else 0.0)
                    mean = context.rating_means[index.position[item.id]]
                    if np.isfinite(mean):
                        ratings.append(float(mean))
                value = float(np.mean(passed)) if passed else 0.0
                precision["all"].append(value)
                precision["cold" if user == COLD_USER else "history"].append(value)
                by_kind.setdefault(case.kind, []).append(value)
            history = [u for u in users if u != COLD_USER]
            jaccards += [_jaccard(lists[a], lists[b]) for a, b in combinations(history, 2)]
            cold_jaccards += [_jaccard(lists[COLD_USER], lists[u]) for u in history]
        metrics["methods"][method] = {
            f"facet_precision@{k}": _mean(precision["all"]),
            f"facet_precision@{k}_cold": _mean(precision["cold"]),
            f"facet_precision@{k}_history": _mean(precision["history"]),
            "title_echo": _mean(echoes),
            "mean_rating": _mean(ratings),
            "jaccard_between_users": _mean(jaccards),
            "jaccard_cold_vs_history": _mean(cold_jaccards),
            "by_kind": {kind: _mean(values) for kind, values in sorted(by_kind.items())},
        }
    return metrics, failures


def _examples(cases: list[Case], done: dict, index: CatalogIndex, users: list[str], n: int = 6) -> list[dict]:
    """A few requests with both methods' picks for the cold user and one user with history, for the report."""
    chosen = []
    for case in cases[:: max(1, len(cases) // n)][:n]:
        for user in (users[0], users[1]):
            row = done[(case.id, user, "rapport")]
            base = done[(case.id, user, "query-embedding")]
            chosen.append({
                "id": case.id, "text": case.text, "user": user,
                "rapport": [index.items[index.position[i]].title for i in row["picks"]],
                "reasons": row.get("reasons", []),
                "query-embedding": [index.items[index.position[i]].title for i in base["picks"]],
            })  # fmt: skip
    return chosen


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def _mean(values: list[float]) -> float:
    return round(float(np.mean(values)), 4) if values else 0.0


def _digest(cases: list[Case]) -> str:
    return hashlib.sha1("\n".join(c.model_dump_json() for c in cases).encode()).hexdigest()[:16]


def _resume(out: Path, run_key: dict) -> dict[tuple[str, str, str], dict]:
    """Rows of an earlier run with the same settings; a different run starts from scratch."""
    key_file, path = out / "run.json", out / "predictions.jsonl"
    same = key_file.is_file() and json.loads(key_file.read_text(encoding="utf-8")) == run_key
    done: dict[tuple[str, str, str], dict] = {}
    if not same:
        path.unlink(missing_ok=True)
    elif path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a crash
            done[(row["id"], row["user"], row["method"])] = row
    key_file.write_text(json.dumps(run_key) + "\n", encoding="utf-8")
    return done
