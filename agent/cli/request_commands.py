"""``rapport eval requests``: recommendation requests in words, checked on the top k (``evals/requests``)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(
    *, commands: argparse._SubParsersAction, evals: argparse._SubParsersAction, benches: argparse._SubParsersAction
) -> None:
    requests = evals.add_parser(
        "requests", help="requests in words (mood, audience, era, similar-to, negations): facet precision, quality"
    )
    requests.add_argument("--data", type=Path, default=Path("../shared/data/movielens-small"),
                          help="a MovieLens-format folder")  # fmt: skip
    requests.add_argument("--out", type=Path, required=True, help="output folder")
    requests.add_argument(
        "--requests", type=Path, default=None,
        help="a JSON Lines file of requests with checks (default: evals/requests/requests.jsonl)",
    )  # fmt: skip
    requests.add_argument("--k", type=int, default=5, help="picks per request")
    requests.add_argument("--users", type=int, default=4, help="users with history, of different tastes")
    requests.add_argument("--limit", type=int, default=None, help="only the first N requests")
    requests.add_argument("--cache", type=Path, default=None, help="folder for item vectors (default: --out)")
    requests.set_defaults(handler=_eval_requests)


def _eval_requests(args: argparse.Namespace) -> int:
    from evals.requests.runner import run

    run(args.data, args.out, requests=args.requests, k=args.k, users=args.users, limit=args.limit, cache=args.cache)
    return 0
