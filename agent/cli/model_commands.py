"""``rapport model list|pull``, and the ``--model`` option that ``rapport chat`` and ``rapport serve`` share."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.settings import Settings


def register(*, commands: argparse._SubParsersAction, **_: argparse._SubParsersAction) -> None:
    model = commands.add_parser("model", help="list, pull and check local models").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    listing = model.add_parser("list", help="the models known by name, which are installed, and which is in use")
    add_model_argument(listing, help_text="show this model as the one in use (default: RAPPORT_LLM_MODEL_PATH)")
    listing.set_defaults(handler=_list)

    pull = model.add_parser(
        "pull", help="download a recommended instruct model from the Hugging Face hub (needs the network once)"
    )
    pull.add_argument("name", help="a model name from `rapport model list`, e.g. qwen2.5-1.5b-instruct")
    pull.add_argument("--revision", default="main", help="hub revision (default: main)")
    pull.add_argument("--force", action="store_true", help="download again even if a copy is cached")
    pull.set_defaults(handler=_pull)

    bench = model.add_parser(
        "bench", help="load time, first-token time and tokens/s of local models, the first being the baseline"
    )
    bench.add_argument(
        "--models", default="gemma3-270m,smollm2-135m-instruct", help="comma-separated names or paths; first = baseline"
    )
    bench.add_argument("--repeats", type=int, default=3, help="turns per model; medians are reported")
    bench.add_argument("--threads", type=int, default=None, help="CPU threads (default: chosen per call)")
    bench.set_defaults(handler=_bench)


def add_model_argument(parser: argparse.ArgumentParser, *, help_text: str | None = None) -> None:
    parser.add_argument(
        "--model",
        metavar="NAME|PATH",
        default=None,
        help=help_text
        or "local model: a name from `rapport model list` or a GGUF path "
        "(default: RAPPORT_LLM_MODEL_PATH, else gemma3-270m)",
    )


def settings_for(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with ``--model`` (when given) choosing the local model; checked now.

    Checking before anything else opens means a wrong name or a broken file is one clear line, not a
    failure in the middle of the first reply.
    """
    from agent.llm.gguf_header import read_header
    from agent.llm.models import resolve
    from agent.settings import Settings

    choice = getattr(args, "model", None)
    settings = Settings(llm_provider="local", llm_model_path=choice) if choice else Settings()
    if settings.llm_provider == "local":
        read_header(resolve(settings.llm_model_path, settings.cache_dir).path)
    return settings


def _list(args: argparse.Namespace) -> int:
    from agent.llm.models import DEFAULT_CHAT_MODEL, list_models
    from agent.settings import Settings

    settings = Settings()
    choice = args.model or settings.llm_model_path
    rows = list_models(settings.cache_dir, choice)
    width = max(len(row.name) for row in rows)
    print(f"  {'NAME':<{width}}  {'STATUS':<15}  {'PROMPTING':<17}  {'SIZE':>8}  ABOUT")
    for row in rows:
        size = f"{row.size_mb:.0f} MB" if row.size_mb is not None else "-"
        if row.status != "installed" and row.size_mb is not None:
            size = "~" + size
        broken = row.status.startswith("broken")
        status = "broken" if broken else row.status
        mark = "*" if row.in_use else " "
        print(f"{mark} {row.name:<{width}}  {status:<15}  {row.kind:<17}  {size:>8}  {row.summary}")
        if broken:
            print(f"  {'':<{width}}  {row.status.removeprefix('broken: ')}")
    if settings.llm_provider != "local" and not args.model:
        print(f"in use: the {settings.llm_provider} provider at {settings.llm_base_url} (RAPPORT_LLM_PROVIDER)")
    else:
        origin = "--model" if args.model else "RAPPORT_LLM_MODEL_PATH" if settings.llm_model_path else "the default"
        print(f"* in use: {choice or DEFAULT_CHAT_MODEL} ({origin}); models cache: {settings.cache_dir}")
    return 0


def _pull(args: argparse.Namespace) -> int:
    from agent.llm.pull import pull
    from agent.settings import Settings

    settings = Settings()
    entry = pull(args.name, settings.cache_dir, revision=args.revision, force=args.force)
    size_mb = entry["size"] / 1e6
    print(f"installed {args.name}: {entry['file']} ({size_mb:.0f} MB, sha256 {entry['sha256'][:12]}…)")
    print(f"use it: rapport chat --user you --model {args.name}   (or RAPPORT_LLM_MODEL_PATH={args.name})")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from evals.bench.chat_models import run

    models = [name.strip() for name in args.models.split(",") if name.strip()]
    if not models or args.repeats < 1:
        from memory.errors import InvalidInputError

        raise InvalidInputError("--models/--repeats", "need at least one model and one repeat")
    run(models, repeats=args.repeats, threads=args.threads)
    return 0
