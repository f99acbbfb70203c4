"""``rapport …`` commands of the lamp feature (filled in by that feature's issue)."""

from __future__ import annotations

import argparse


def register(**_: argparse._SubParsersAction) -> None:
    """Nothing registered yet."""
