"""``rapport catalog …``, ``rapport interactions import``, ``rapport recommend``, ``rapport eval|bench recsys``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from memory.errors import InvalidInputError, NotFoundError


def register(
    *, commands: argparse._SubParsersAction, evals: argparse._SubParsersAction, benches: argparse._SubParsersAction
) -> None:
    catalog = commands.add_parser("catalog", help="the item catalog that recommendations come from")
    actions = catalog.add_subparsers(dest="action", required=True, metavar="ACTION")
    load = actions.add_parser("load", help="replace the catalog with a MovieLens folder, a .jsonl or a .csv file")
    load.add_argument("path", type=Path)
    load.set_defaults(handler=_catalog_load)
    search = actions.add_parser("search", help="find catalog items by meaning")
    search.add_argument("query")
    search.add_argument("--k", type=int, default=10)
    search.add_argument("--json", action="store_true", help="machine-readable output")
    search.set_defaults(handler=_catalog_search)

    interactions = commands.add_parser("interactions", help="what users rated, liked or watched")
    interaction_actions = interactions.add_subparsers(dest="action", required=True, metavar="ACTION")
    imports = interaction_actions.add_parser("import", help="MovieLens ratings.csv: each user's ratings as memories")
    imports.add_argument("path", type=Path, help="ratings.csv or a MovieLens folder")
    imports.add_argument("--users", type=int, default=None, help="only the first N users of the file")
    imports.add_argument("--prefix", default="", help="prepended to each user id (e.g. 'ml-')")
    imports.set_defaults(handler=_interactions_import)

    recommend = commands.add_parser("recommend", help="recommend catalog items to a user, with reasons")
    recommend.add_argument("--user", required=True)
    recommend.add_argument("--query", default=None, help="what the user is in the mood for")
    recommend.add_argument("--k", type=int, default=10)
    recommend.add_argument("--genre", action="append", help="only items of this genre (repeatable)")
    recommend.add_argument("--exclude-genre", action="append", help="never items of this genre (repeatable)")
    recommend.add_argument("--year-min", type=int)
    recommend.add_argument("--year-max", type=int)
    recommend.add_argument("--include-rated", action="store_true", help="allow items the user already rated")
    recommend.add_argument("--new-user", action="store_true", help="allow a user with no memories (cold start)")
    recommend.add_argument("--json", action="store_true", help="machine-readable output")
    recommend.set_defaults(handler=_recommend)

    recsys = evals.add_parser("recsys", help="leave-last-out HR@k and NDCG@k against EASE, SASRec and more")
    recsys.add_argument("--data", type=Path, default=None,
                        help="a MovieLens folder (any release) or one with items.jsonl + interactions.csv")  # fmt: skip
    recsys.add_argument("--items", type=Path, default=None, help="a catalog file (.jsonl or .csv), with --interactions")
    recsys.add_argument("--interactions", type=Path, default=None, help="user_id,item_id[,rating,timestamp] rows")
    recsys.add_argument("--k", type=int, default=10)
    recsys.add_argument("--out", type=Path, required=True, help="output folder")
    recsys.add_argument("--users", "--limit", dest="users", type=int, default=None,
                        help="evaluate a random sample of N users")  # fmt: skip
    recsys.add_argument("--seed", type=int, default=0)
    recsys.add_argument("--tune", action="store_true",
                        help="choose every hyperparameter on the validation split first and make it the product's "
                        "defaults")  # fmt: skip
    recsys.add_argument("--no-sasrec", dest="sasrec", action="store_false", help="skip the sequential baseline")
    recsys.add_argument("--no-install", dest="install", action="store_false",
                        help="with --tune: keep the choice in --out only, not as the product's defaults")  # fmt: skip
    recsys.set_defaults(handler=_eval_recsys)

    bench = benches.add_parser("recsys", help="model fit time, recommend latency and eval throughput beside item-kNN")
    bench.add_argument("--data", type=Path, default=Path("../shared/data/movielens-small"))
    bench.add_argument("--history", type=int, default=200, help="interactions of the benchmark user")
    bench.add_argument("--requests", type=int, default=200)
    bench.add_argument("--users", type=int, default=200, help="users for the throughput measurement")
    bench.add_argument("--items", type=int, default=10_000, help="catalog size (topped up with copies if smaller)")
    bench.set_defaults(handler=_bench_recsys)


def _check_k(k: int) -> None:
    if k < 1:
        raise InvalidInputError("--k", f"must be at least 1, got {k}")


def _catalog_load(args: argparse.Namespace) -> int:
    from tools.catalog import Catalog
    from tools.items import load_item_file, load_movielens_items
    from tools.recommend import meaning_path
    from tools.request_context import meaning_vectors

    report = load_movielens_items(args.path) if args.path.is_dir() else load_item_file(args.path)
    catalog = Catalog()
    count = catalog.load(report.items, progress="embedding items")
    # What each item is about, read once here so that no chat turn waits for it.
    meaning_vectors(catalog.index(), catalog.embedder, meaning_path(), progress="meanings")
    print(f"loaded {count} items; {report.summary()}")
    return 0


def _catalog_search(args: argparse.Namespace) -> int:
    from tools.catalog import Catalog

    _check_k(args.k)
    hits = Catalog().search(args.query, k=args.k)
    if args.json:
        print(json.dumps([{"item": item.model_dump(), "score": score} for item, score in hits], ensure_ascii=False))
        return 0
    _table(
        f"catalog search: {args.query}",
        ["id", "title", "genres", "score"],
        [[item.id, item.title, ", ".join(item.genres), f"{score:.3f}"] for item, score in hits],
    )
    return 0


def _interactions_import(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from memory import MemoryStore
    from tools.catalog import Catalog
    from tools.interactions import import_ratings, read_ratings
    from tools.recommend import collab_from_store, default_knn_path
    from tools.tuned import load_tuned

    if args.users is not None and args.users < 1:
        raise InvalidInputError("--users", f"must be at least 1, got {args.users}")
    catalog = Catalog()
    index = catalog.index()
    ratings = read_ratings(args.path, users=args.users)
    store = MemoryStore()
    with tqdm(total=len(ratings.by_user), desc="import", unit="user") as bar:
        written, unknown = import_ratings(store, index, ratings, user_prefix=args.prefix, progress=bar.update)
    skipped = dict(ratings.skipped)
    if unknown:
        skipped["ratings of items not in the catalog"] = unknown
    note = f"; skipped {skipped}" if skipped else ""
    print(f"imported {written} interactions of {len(ratings.by_user)} users{note}")
    models = collab_from_store(store, index, load_tuned().collab)
    models.save(default_knn_path().parent, index.ids)
    modelled = f", EASE over {len(models.ease.items)} items" if models.ease is not None else ""
    print(f"collaborative models refitted from everyone's interactions in {models.fit_s:.1f} s "
          f"(item-kNN {models.knn.similarity.nnz} item pairs{modelled})")  # fmt: skip
    return 0


def _recommend(args: argparse.Namespace) -> int:
    from agent.access import RemoteAssistant, owner_url
    from agent.settings import Settings
    from memory import MemoryStore
    from tools.catalog import Catalog
    from tools.recommend import Recommender
    from tools.retrieval import Filters

    _check_k(args.k)
    filters = Filters(genres=args.genre, exclude_genres=args.exclude_genre, year_min=args.year_min,
                      year_max=args.year_max, include_seen=args.include_rated)  # fmt: skip
    unknown = NotFoundError("user", f"{args.user} (no memories; add --new-user for popular picks)")
    settings = Settings()
    url = owner_url(settings) if settings.chroma_url is None else None
    if url is not None:  # a `rapport serve` owns the data dir: ask it
        with RemoteAssistant(url, settings) as remote:
            if not args.new_user and not remote.memories(args.user, k=1):
                raise unknown
            picks = remote.recommend(args.user, query=args.query, k=args.k, filters=filters)
    else:
        store = MemoryStore()
        if not args.new_user and store.count(args.user) == 0:
            raise unknown
        picks = Recommender(store, Catalog()).recommend(args.user, query=args.query, k=args.k, filters=filters)
    if args.json:
        print(json.dumps([pick.model_dump(mode="json") for pick in picks], ensure_ascii=False))
        return 0
    _table(
        f"recommendations for {args.user}",
        ["#", "title", "genres", "score", "why"],
        [[str(n), p.item.title, ", ".join(p.item.genres), f"{p.score:.2f}", p.reason] for n, p in enumerate(picks, 1)],
    )
    return 0


def _eval_recsys(args: argparse.Namespace) -> int:
    from evals.recsys.runner import run

    if args.data is None and args.items is None:
        raise InvalidInputError("--data", "is required", "pass --data FOLDER, or --items FILE --interactions FILE")
    run(data=args.data, k=args.k, out=args.out, users=args.users, seed=args.seed, tune=args.tune, items=args.items,
        interactions=args.interactions, sasrec=args.sasrec, install=args.install)  # fmt: skip
    return 0


def _bench_recsys(args: argparse.Namespace) -> int:
    from evals.bench.recsys import run

    run(data=args.data, history=args.history, requests=args.requests, users=args.users, items=args.items)
    return 0


def _table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    if not rows:
        print("nothing found")
        return
    table = Table(title=escape(title))
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*[escape(cell) for cell in row])
    Console().print(table)
