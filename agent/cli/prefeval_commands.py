"""``rapport eval prefeval --recall`` (each question finds its own preference) and ``--writes`` (none is lost)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(*, evals: argparse._SubParsersAction, **_: argparse._SubParsersAction) -> None:
    prefeval = evals.add_parser("prefeval", help="recall of the right preference on PrefEval questions")
    task = prefeval.add_mutually_exclusive_group(required=True)
    task.add_argument("--recall", action="store_true", help="score retrieval: each question's own preference found")
    task.add_argument("--writes", action="store_true", help="tell the preferences one by one: how many are lost")
    task.add_argument("--replies", action="store_true", help="answers to each question after its preference, and cold")
    prefeval.add_argument("--data", type=Path, required=True, help="the prefeval folder (with mcq_options/*.json)")
    prefeval.add_argument("--out", type=Path, required=True, help="output folder (store, metrics, report, plot)")
    prefeval.add_argument(
        "--mode", default="dense,bm25,hybrid", help="a comma list of dense, bm25, hybrid, recency, or all"
    )
    prefeval.add_argument("--per-topic", type=int, default=20, help="preferences stored per topic (first N items)")
    prefeval.add_argument("--limit", type=int, default=None, help="only ask the first N questions per topic")
    prefeval.set_defaults(handler=_eval_prefeval)


def _eval_prefeval(args: argparse.Namespace) -> int:
    if args.replies:
        from evals.prefeval.replies import run as run_replies

        run_replies(data=args.data, out=args.out, per_topic=args.limit or 3)
        return 0
    if args.writes:
        from evals.prefeval.writes import run as run_writes

        run_writes(data=args.data, out=args.out, per_topic=args.per_topic)
        return 0
    from evals.prefeval.runner import run

    run(data=args.data, out=args.out, modes=args.mode, per_topic=args.per_topic, limit=args.limit)
    return 0
