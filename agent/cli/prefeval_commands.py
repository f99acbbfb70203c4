"""``rapport eval prefeval --recall``: does each PrefEval question find its own preference among many?"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(*, evals: argparse._SubParsersAction, **_: argparse._SubParsersAction) -> None:
    prefeval = evals.add_parser("prefeval", help="recall of the right preference on PrefEval questions")
    prefeval.add_argument(
        "--recall", action="store_true", required=True, help="score retrieval (the only PrefEval task so far)"
    )
    prefeval.add_argument("--data", type=Path, required=True, help="the prefeval folder (with mcq_options/*.json)")
    prefeval.add_argument("--out", type=Path, required=True, help="output folder (store, metrics, report, plot)")
    prefeval.add_argument(
        "--mode", default="dense,bm25,hybrid", help="a comma list of dense, bm25, hybrid, recency, or all"
    )
    prefeval.add_argument("--per-topic", type=int, default=20, help="preferences stored per topic (first N items)")
    prefeval.add_argument("--limit", type=int, default=None, help="only ask the first N questions per topic")
    prefeval.set_defaults(handler=_eval_prefeval)


def _eval_prefeval(args: argparse.Namespace) -> int:
    from evals.prefeval.runner import run

    run(data=args.data, out=args.out, modes=args.mode, per_topic=args.per_topic, limit=args.limit)
    return 0
