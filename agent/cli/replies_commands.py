"""``rapport eval replies``: reply quality through the ``Assistant`` API, per category and per model."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(*, evals: argparse._SubParsersAction, **_: argparse._SubParsersAction) -> None:
    replies = evals.add_parser("replies", help="reply quality on scenarios (recall, preferences, changes, ...)")
    replies.add_argument("--out", type=Path, required=True, help="output folder (resumes what is already there)")
    replies.add_argument(
        "--model", action="append", default=None,
        help="default, openai (the RAPPORT_LLM_* endpoint), or a GGUF path or model name; repeat to compare",
    )
    replies.add_argument("--scenarios", type=Path, default=None, help="a .jsonl of scenarios (default: bundled set)")
    replies.add_argument("--catalog", type=Path, default=None,
                         help="item catalog for recommendation scenarios (a MovieLens folder or items file)")
    replies.add_argument("--category", action="append", default=None, help="only this category; repeatable")
    replies.add_argument("--limit", type=int, default=None, help="only the first N scenarios of each category")
    replies.set_defaults(handler=_eval_replies)


def _eval_replies(args: argparse.Namespace) -> int:
    from evals.replies.runner import run

    run(
        args.out,
        models=args.model or ["default"],
        scenarios_path=args.scenarios,
        catalog_path=args.catalog,
        limit=args.limit,
        categories=args.category,
    )
    return 0
