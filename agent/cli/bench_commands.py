"""``rapport bench …``: speed benchmarks; each prints numbers beside a baseline measured in the same run."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(*, benches: argparse._SubParsersAction, **_: argparse._SubParsersAction) -> None:
    memory = benches.add_parser("memory", help="memory store ingest and search latency")
    memory.add_argument("--sizes", default="10000,100000", help="comma-separated store sizes")
    memory.add_argument("--users", type=int, default=100)
    memory.add_argument("--queries", type=int, default=200)
    memory.set_defaults(handler=_bench_memory)

    agent = benches.add_parser("agent", help="per-turn overhead of the agent graph beside the memory search alone")
    agent.add_argument("--memories", type=int, default=1000)
    agent.add_argument("--turns", type=int, default=200)
    agent.add_argument(
        "--model", choices=("scripted", "embedded"), default="scripted",
        help="scripted: graph overhead with a zero-latency model; embedded: real turns on the embedded model",
    )
    agent.add_argument("--rounds", type=int, default=2, help="with --model embedded: rounds of 12 mixed turns")
    agent.set_defaults(handler=_bench_agent)

    model = benches.add_parser("model", help="embedded chat model: load, prefill, generation and scoring speed")
    model.add_argument("--threads", type=int, default=None, help="CPU threads (default: RAPPORT_LLM_THREADS or all)")
    model.add_argument("--batch", type=int, default=None, help="prompt batch size (default: RAPPORT_LLM_BATCH)")
    model.add_argument("--repeats", type=int, default=3, help="repeats per measurement; medians are reported")
    model.set_defaults(handler=_bench_model)

    lamp = benches.add_parser("lamp", help="seconds per question of LaMP strategies beside hybrid, cold cache")
    lamp.add_argument("--data", type=Path, default=Path("../shared/data/lamp/LaMP_2N"), help="a LaMP split folder")
    lamp.add_argument("--task", default="LaMP_2N")
    lamp.add_argument("--strategy", default="hybrid,blend,cfrag,summary", help="comma list (hybrid is always run)")
    lamp.add_argument("--limit", type=int, default=20, help="questions (default 20)")
    lamp.add_argument("--k", type=int, default=3)
    lamp.set_defaults(handler=_bench_lamp)

    serve = benches.add_parser(
        "serve", help="concurrent clients on a real `rapport serve`, then lost/duplicated/wrong-user memory counts"
    )
    serve.add_argument("--clients", type=int, default=16, help="concurrent clients, each its own user (default 16)")
    serve.add_argument("--turns", type=int, default=4, help="turns per client (default 4)")
    serve.add_argument(
        "--model", choices=["embedded", "scripted"], default="embedded", help="the chat model behind the server"
    )
    serve.set_defaults(handler=_bench_serve)


def _bench_lamp(args: argparse.Namespace) -> int:
    from evals.bench.lamp import run

    run(data=args.data, task=args.task, strategies=args.strategy, limit=args.limit, k=args.k)
    return 0


def _bench_serve(args: argparse.Namespace) -> int:
    from evals.bench.serve import run

    if args.clients < 1 or args.turns < 1:
        from memory.errors import InvalidInputError

        raise InvalidInputError("--clients/--turns", "must be at least 1")
    report = run(clients=args.clients, turns=args.turns, model=args.model)
    integrity = report["integrity"]
    failed = report["load"]["errors"] or integrity["lost"] or integrity["duplicated"] or integrity["wrong_user"]
    return 1 if failed else 0


def _bench_memory(args: argparse.Namespace) -> int:
    from evals.bench.memory import run

    run(sizes=[int(s) for s in args.sizes.split(",")], users=args.users, queries=args.queries)
    return 0


def _bench_agent(args: argparse.Namespace) -> int:
    from evals.bench.agent import run, run_embedded

    if args.model == "embedded":
        run_embedded(rounds=args.rounds)
    else:
        run(memories=args.memories, turns=args.turns)
    return 0


def _bench_model(args: argparse.Namespace) -> int:
    from evals.bench.model import run

    run(threads=args.threads, batch=args.batch, repeats=args.repeats)
    return 0
