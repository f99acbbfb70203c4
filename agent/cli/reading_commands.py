"""``rapport train reader`` (rebuild the reader's heads) and ``rapport eval reading`` (score them on real data)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(*, commands: argparse._SubParsersAction, evals: argparse._SubParsersAction, **_: object) -> None:
    train = commands.add_parser("train", help="rebuild a learned part from the labelled data in the repo")
    targets = train.add_subparsers(dest="target", required=True, metavar="TARGET")
    reader = targets.add_parser("reader", help="the reader's heads (act, focus, slot, need, change) over MiniLM")
    reader.add_argument("--data", type=Path, default=None, help="labelled folder (default: evals/data/reading)")
    reader.add_argument("--clinc", type=Path, default=None, help="CLINC150 data_full.json to add its mapped intents")
    reader.add_argument("--out", type=Path, default=None, help="heads file to write (default: the shipped one)")
    reader.set_defaults(handler=_train_reader)

    reading = evals.add_parser("reading", help="the reader's decisions on third-party utterances (never trained on)")
    reading.add_argument("--nlu", type=Path, required=True, help="the nlu folder (dnli, msc, dailydialog, clinc150)")
    reading.add_argument("--prefeval", type=Path, default=None, help="the prefeval folder, for needs and requests")
    reading.add_argument("--out", type=Path, required=True, help="output folder (metrics.json, report.md, plot)")
    reading.set_defaults(handler=_eval_reading)


def _train_reader(args: argparse.Namespace) -> int:
    from memory.reading import heads, training

    report = training.train(data=args.data or training.REPO_DATA, out=args.out or heads.HEADS_FILE, clinc=args.clinc)
    print("| head | examples | held-out families' examples | held-out accuracy |\n|---|---:|---:|---:|")
    for name, row in report.items():
        extra = f" (recall {row['recall']:.3f}, kept {row['compatible_kept']:.3f})" if "recall" in row else ""
        print(f"| {name} | {row['examples']} | {row['held_out']} | {row['accuracy']:.3f}{extra} |")
    print(f"wrote {args.out or heads.HEADS_FILE}")
    return 0


def _eval_reading(args: argparse.Namespace) -> int:
    from evals.reading.runner import run

    run(nlu=args.nlu, prefeval=args.prefeval, out=args.out)
    return 0
