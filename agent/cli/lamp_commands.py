"""``rapport eval lamp`` (run strategies on a LaMP split) and ``rapport eval lamp-score`` (official metrics)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(*, evals: argparse._SubParsersAction, **_: argparse._SubParsersAction) -> None:
    lamp = evals.add_parser("lamp", help="personalization strategies on a LaMP task")
    lamp.add_argument("--task", required=True, help="LaMP_1, LaMP_2N (news), LaMP_2M (movies), LaMP_3 ... LaMP_7")
    lamp.add_argument("--data", type=Path, required=True, help="folder with {split}_questions.json and _outputs.json")
    lamp.add_argument("--split", default="dev", help="file prefix (default dev)")
    lamp.add_argument(
        "--strategy",
        default="all",
        help="none, random, recency, bm25, dense, hybrid, summary, vote, blend, cfrag; a comma list; or all (default)",
    )
    lamp.add_argument(
        "--tune",
        choices=["none", "half"],
        default="none",
        help="half: tune on a fixed half of this file (by id hash), report the other half and the full file; "
        "none (default): use evals/lamp/tuned/<task>.json or --params",
    )
    lamp.add_argument("--params", type=Path, default=None, help="a tuned.json written by an earlier --tune half run")
    lamp.add_argument("--ablation", action="store_true", help="add the ablation table (every scoring, each part)")
    lamp.add_argument("--summary", action="store_true", help="add the summary strategy to the chosen ones")
    lamp.add_argument("--k", type=int, default=4, help="profile items per prompt (default 4)")
    lamp.add_argument("--limit", type=int, default=None, help="only the first N questions")
    lamp.add_argument("--model", choices=["local", "openai"], default="local", help="chat model provider")
    lamp.add_argument("--out", type=Path, required=True, help="output folder (reruns resume from its cache)")
    lamp.set_defaults(handler=_eval_lamp)

    scorer = evals.add_parser("lamp-score", help="score a LaMP predictions file like the official script")
    scorer.add_argument("--task", required=True, help="LaMP_1 ... LaMP_7 (LaMP_2: news or movies from the golds)")
    scorer.add_argument("--golds", type=Path, required=True, help="the {split}_outputs.json file")
    scorer.add_argument("--preds", type=Path, required=True, help="predictions in the same format")
    scorer.add_argument("--json", action="store_true", help="print one JSON object")
    scorer.set_defaults(handler=_lamp_score)


def _eval_lamp(args: argparse.Namespace) -> int:
    from evals.lamp.runner import run

    strategies = args.strategy
    if args.summary and strategies != "all" and "summary" not in strategies.split(","):
        strategies += ",summary"
    run(
        task=args.task,
        data=args.data,
        split=args.split,
        strategies=strategies,
        k=args.k,
        out=args.out,
        limit=args.limit,
        model_name=args.model,
        tune=args.tune,
        params_path=args.params,
        ablation=args.ablation,
    )
    return 0


def _lamp_score(args: argparse.Namespace) -> int:
    from evals.lamp.scoring import score_prediction_files

    result = score_prediction_files(args.task, args.golds, args.preds)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value:.4f}")
    return 0
