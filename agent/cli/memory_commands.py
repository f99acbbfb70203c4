"""``rapport memory …``: add, search, list, delete, forget, export and import a user's memories."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from memory.errors import InvalidInputError

if TYPE_CHECKING:
    from memory import Memory, MemoryStore

KINDS = ("fact", "preference", "event", "interaction", "message")
MODES = ("hybrid", "dense", "bm25", "recency")


def register(*, commands: argparse._SubParsersAction, **_: argparse._SubParsersAction) -> None:
    memory = commands.add_parser("memory", help="manage a user's memories")
    actions = memory.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, help_text: str, handler) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text)
        parser.add_argument("--user", required=True, help="the user id")
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        parser.set_defaults(handler=handler)
        return parser

    add = action("add", "remember a text", _add)
    add.add_argument("text")
    add.add_argument("--kind", default="fact", choices=KINDS)

    search = action("search", "find the memories that best answer a query", _search)
    search.add_argument("query")
    search.add_argument("--k", type=int, default=10)
    search.add_argument("--mode", default="hybrid", choices=MODES)

    listing = action("list", "list memories, newest first", _list)
    listing.add_argument("--kind", choices=KINDS)
    listing.add_argument("--all", action="store_true", help="include superseded memories")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--offset", type=int, default=0)

    delete = action("delete", "delete one memory by id", _delete)
    delete.add_argument("memory_id")

    forget = action("forget", "delete everything stored about a user", _forget)
    forget.add_argument("--yes", action="store_true", help="confirm; nothing is deleted without it")

    export = action("export", "write a user's memories as JSON Lines", _export)
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")

    load = action("import", "load JSON Lines written by export", _import)
    load.add_argument("path", type=Path)


def _open_store() -> MemoryStore:
    """The data dir's store, or its owner's through HTTP when a `rapport serve` owns it (same methods)."""
    from agent.access import open_store

    return open_store()  # type: ignore[return-value]


def _add(args: argparse.Namespace) -> int:
    memory = _open_store().add(args.user, args.text, kind=args.kind)
    if args.json:
        print(memory.model_dump_json())
    else:
        print(f"remembered {memory.id} ({memory.kind.value}): {memory.text}")
    return 0


def _search(args: argparse.Namespace) -> int:
    hits = _open_store().search(args.user, args.query, k=args.k, mode=args.mode)
    if args.json:
        print(json.dumps([hit.model_dump(mode="json") for hit in hits], ensure_ascii=False))
    else:
        _print_table([hit.memory for hit in hits], scores=[hit.score for hit in hits], title=f"{args.mode} search")
    return 0


def _list(args: argparse.Namespace) -> int:
    memories = _open_store().list(
        args.user, kind=args.kind, include_superseded=args.all, limit=args.limit, offset=args.offset
    )
    if args.json:
        print(json.dumps([m.model_dump(mode="json") for m in memories], ensure_ascii=False))
    else:
        _print_table(memories, title=f"memories of {args.user}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    store = _open_store()
    memory_id = _resolve_id(store, args.user, args.memory_id)
    store.delete(args.user, memory_id)
    print(json.dumps({"deleted": memory_id}) if args.json else f"deleted {memory_id}")
    return 0


def _resolve_id(store: MemoryStore, user_id: str, prefix: str) -> str:
    """Accept the short ids that the tables show, as long as they are unambiguous."""
    matches = [m.id for m in store.list(user_id, include_superseded=True, limit=10**9) if m.id.startswith(prefix)]
    if len(matches) > 1:
        raise InvalidInputError("memory_id", f"{prefix!r} matches {len(matches)} memories", "give more characters")
    return matches[0] if matches else prefix


def _forget(args: argparse.Namespace) -> int:
    if not args.yes:
        raise InvalidInputError("--yes", f"forget deletes every memory of {args.user!r}", "add --yes to confirm")
    removed = _open_store().forget(args.user)
    print(json.dumps({"forgotten": removed}) if args.json else f"forgot {removed} memories of {args.user}")
    return 0


def _export(args: argparse.Namespace) -> int:
    lines = _open_store().export(args.user)
    if args.out:
        args.out.write_text(lines, encoding="utf-8")
        print(f"wrote {len(lines.splitlines())} records to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(lines)
    return 0


def _import(args: argparse.Namespace) -> int:
    try:
        text = args.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInputError("path", f"cannot read {args.path}: {error}", "pass a file written by export") from None
    count = _open_store().import_records(args.user, text)
    print(json.dumps({"imported": count}) if args.json else f"imported {count} records into {args.user}")
    return 0


def _print_table(memories: list[Memory], *, title: str, scores: list[float] | None = None) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    table.add_column("id", style="dim", no_wrap=True)
    table.add_column("kind")
    table.add_column("created", no_wrap=True)
    if scores is not None:
        table.add_column("score", justify="right")
    table.add_column("text")
    for index, memory in enumerate(memories):
        row = [memory.id[:8], memory.kind.value, memory.created_at.strftime("%Y-%m-%d %H:%M")]
        if scores is not None:
            row.append(f"{scores[index]:.3f}")
        text = escape(memory.text)
        if memory.status.value != "active":
            text = f"[strike]{text}[/strike] (superseded)"
        table.add_row(*row, text)
    if not memories:
        print("no memories")
        return
    Console().print(table)
