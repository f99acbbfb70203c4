"""``rapport backup`` and ``rapport restore``: everything a data dir holds, in one file and back.

While a ``rapport serve`` owns the data dir, both go through it, so a backup is consistent while the
server keeps answering; otherwise they open the data dir here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(*, commands: argparse._SubParsersAction, **_: argparse._SubParsersAction) -> None:
    backup = commands.add_parser(
        "backup", help="write every user's memories, profiles, threads and the catalog to one file"
    )
    backup.add_argument("--out", type=Path, required=True, help="the file to write (replaced only when complete)")
    backup.add_argument("--json", action="store_true", help="machine-readable output")
    backup.set_defaults(handler=_backup)

    restore = commands.add_parser(
        "restore", help="replace the data of the users in a backup (and the catalog) with the backup's"
    )
    restore.add_argument("file", type=Path, help="a file written by `rapport backup`")
    restore.add_argument("--json", action="store_true", help="machine-readable output")
    restore.set_defaults(handler=_restore)


def _backup(args: argparse.Namespace) -> int:
    from agent.access import RemoteAssistant, open_assistant
    from agent.backup import read_backup, summarize, write_backup

    with open_assistant() as assistant:
        if isinstance(assistant, RemoteAssistant):
            assistant.backup(args.out)
            summary = summarize(read_backup(args.out))
        else:
            summary = write_backup(assistant, args.out)
    _report(args, f"wrote {args.out}", summary.model_dump())
    return 0


def _restore(args: argparse.Namespace) -> int:
    from agent.access import RemoteAssistant, open_assistant
    from agent.backup import read_backup, restore_backup
    from agent.backup_plan import plan_restore

    label = str(args.file)
    plan_restore(read_backup(args.file, label=label), label)  # a bad file is refused here, before anything changes
    with open_assistant() as assistant:
        if isinstance(assistant, RemoteAssistant):
            summary = assistant.restore(args.file)
        else:
            summary = restore_backup(assistant, args.file, label=label).model_dump()
            assistant.flush()
    _report(args, f"restored {args.file}", summary)
    return 0


def _report(args: argparse.Namespace, done: str, summary: dict[str, int]) -> None:
    if args.json:
        print(json.dumps(summary))
        return
    parts = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in summary.items())
    print(f"{done}: {parts}")
