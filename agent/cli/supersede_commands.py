"""``rapport eval supersede``: does a new statement retire the memory it makes untrue (precision, recall)?"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(*, evals: argparse._SubParsersAction, **_: argparse._SubParsersAction) -> None:
    supersede = evals.add_parser("supersede", help="precision and recall of replacing changed facts")
    supersede.add_argument(
        "--pairs",
        type=Path,
        nargs="+",
        default=None,
        help="JSON Lines files of {domain, old, new, supersede} (default: the labelled sets in tests/data)",
    )
    supersede.add_argument("--out", type=Path, default=None, help="output folder (metrics.json, report.md, plot)")
    supersede.add_argument("--limit", type=int, default=None, help="only the first N pairs of each file")
    supersede.set_defaults(handler=_eval_supersede)


def _eval_supersede(args: argparse.Namespace) -> int:
    from evals.supersede.pairs import DEFAULT_SETS
    from evals.supersede.report import print_table
    from evals.supersede.runner import run

    metrics = run(args.pairs or list(DEFAULT_SETS), out=args.out, limit=args.limit)
    print_table(metrics)
    if args.out:
        print(f"wrote {args.out}/metrics.json, report.md, predictions.jsonl and supersede.png")
    return 0
