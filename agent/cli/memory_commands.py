"""``rapport memory …``: add, search, list, forget, export and import a user's memories."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    memory = commands.add_parser("memory", help="manage a user's memories")
    memory.add_subparsers(dest="action", required=True, metavar="ACTION")
