"""The labelled pairs: one JSON object per line with ``domain``, ``old``, ``new`` and ``supersede``."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from memory.errors import InvalidInputError
from memory.textfile import read_utf8

REPO_ROOT = Path(__file__).resolve().parents[2]
# The first set was written before any rule; the others after rounds of rules, each before it was run.
DATA = REPO_ROOT / "tests" / "data"
# measured_only/ holds sets that measure how the rules generalise but do not gate the test suite.
DEFAULT_SETS = tuple(sorted(DATA.glob("supersede_pairs*.jsonl")) + sorted((DATA / "measured_only").glob("*.jsonl")))


class Pair(BaseModel):
    """An old memory, a new message, and whether the message makes the memory untrue."""

    domain: str = Field(min_length=1)
    old: str = Field(min_length=3)
    new: str = Field(min_length=3)
    supersede: bool


def load_pairs(path: Path) -> list[Pair]:
    """Every pair in ``path``; a malformed line is an error naming the file, line and field."""
    pairs = []
    for number, line in enumerate(
        read_utf8(path, fix="pass a JSON Lines file of labelled pairs").splitlines(), start=1
    ):
        if not line.strip():
            continue
        try:
            pairs.append(Pair.model_validate(json.loads(line)))
        except json.JSONDecodeError as error:
            raise InvalidInputError(
                "pairs", f"{path}:{number} is not JSON ({error.msg})", "one object per line"
            ) from None
        except ValidationError as error:
            field = ".".join(str(part) for part in error.errors()[0]["loc"]) or "line"
            raise InvalidInputError(
                "pairs",
                f"{path}:{number}: {field}: {error.errors()[0]['msg']}",
                'each line needs "domain", "old", "new" and "supersede" (true/false)',
            ) from None
    if not pairs:
        raise InvalidInputError("pairs", f"{path} holds no pairs")
    return pairs
