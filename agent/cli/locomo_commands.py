"""``rapport eval locomo``: memory retrieval on LoCoMo conversations."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(*, evals: argparse._SubParsersAction, **_: argparse._SubParsersAction) -> None:
    locomo = evals.add_parser("locomo", help="memory retrieval on LoCoMo conversations")
    locomo.add_argument("--data", type=Path, required=True, help="a LoCoMo-format JSON file")
    locomo.add_argument("--k", type=int, default=10, help="largest k to report (1, 5 and k)")
    locomo.add_argument("--mode", default="all", help="dense, bm25, hybrid, recency, a comma list, or all")
    locomo.add_argument("--out", type=Path, required=True, help="output folder")
    locomo.add_argument("--limit", type=int, default=None, help="only the first N questions per conversation")
    locomo.set_defaults(handler=_eval_locomo)


def _eval_locomo(args: argparse.Namespace) -> int:
    from evals.locomo.runner import run

    run(data=args.data, k=args.k, modes=args.mode, out=args.out, limit=args.limit)
    return 0
