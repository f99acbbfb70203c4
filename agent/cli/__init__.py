"""The ``rapport`` command line. Sub-commands live in sibling modules; heavy imports stay inside handlers."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from memory.errors import RapportError

from . import (
    backup_commands,
    bench_commands,
    chat_commands,
    key_commands,
    lamp_commands,
    locomo_commands,
    memory_commands,
    model_commands,
    prefeval_commands,
    reading_commands,
    recsys_commands,
    replies_commands,
    request_commands,
    serve_commands,
    supersede_commands,
    ui_commands,
)

# Each group adds its commands: top-level ones to `commands`, evaluations under `rapport eval`,
# benchmarks under `rapport bench`. A new feature adds a module here and nothing else.
COMMAND_GROUPS = (
    chat_commands,
    memory_commands,
    backup_commands,
    recsys_commands,
    serve_commands,
    key_commands,
    ui_commands,
    model_commands,
    locomo_commands,
    prefeval_commands,
    reading_commands,
    lamp_commands,
    supersede_commands,
    replies_commands,
    request_commands,
    bench_commands,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rapport", description="Rapport: a personalization assistant that remembers.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    evals = commands.add_parser("eval", help="run an offline evaluation").add_subparsers(
        dest="target", required=True, metavar="TARGET"
    )
    benches = commands.add_parser("bench", help="run a speed benchmark").add_subparsers(
        dest="target", required=True, metavar="TARGET"
    )
    for group in COMMAND_GROUPS:
        group.register(commands=commands, evals=evals, benches=benches)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rapport`` script; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except RapportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def run() -> None:
    """The ``rapport`` script: ``main``, then an exit that skips the interpreter's teardown.

    Why: with llama.cpp and torch (the embedder) both loaded, the garbage collector's last pass at
    interpreter shutdown can crash the process (SIGABRT after a turn that was answered and saved).
    Every command closes what it opened before ``main`` returns (the assistant's ``close`` flushes
    the memory writer and the outbox), so nothing is left for that teardown to do.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
