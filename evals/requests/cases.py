"""Recommendation requests with automatic checks, and the checks themselves.

A requests file is JSON Lines, one request per line:

    {"id": "mood-01", "kind": "mood", "text": "something light for tonight",
     "checks": {"want_all": [...], "want_any": [...], "avoid": [...], "year_min": 1990, "year_max": 1999,
                "not_title": "Toy Story (1995)"}}

``want_all``: genres a pick must all have; ``want_any``: a pick has at least one; ``avoid``: a pick has
none; ``year_min``/``year_max``: release years, inclusive; ``not_title``: the title the request names
(recommending it back does not count). Genre names are the catalog's. Every check is optional.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from memory.errors import InvalidInputError
from memory.textfile import read_utf8
from tools.items import Item

DEFAULT_REQUESTS = Path(__file__).with_name("requests.jsonl")


class Checks(BaseModel):
    want_all: list[str] = Field(default_factory=list)
    want_any: list[str] = Field(default_factory=list)
    avoid: list[str] = Field(default_factory=list)
    year_min: int | None = None
    year_max: int | None = None
    not_title: str | None = None


class Case(BaseModel):
    id: str
    kind: str
    text: str = Field(min_length=1)
    checks: Checks = Field(default_factory=Checks)


def load_cases(path: Path | None = None) -> list[Case]:
    """The requests of a JSON Lines file; a bad line is an error naming the line."""
    path = Path(path or DEFAULT_REQUESTS)
    if not path.is_file():
        raise InvalidInputError("--requests", f"{path} is not a file", "pass a JSON Lines file of requests")
    cases, seen = [], set()
    for number, line in enumerate(read_utf8(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = Case.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as error:
            message = f"line {number} is not a request: {error}"
            raise InvalidInputError(str(path), message, "see evals/requests/cases.py") from None
        if case.id in seen:
            raise InvalidInputError(str(path), f"line {number} repeats the id {case.id!r}", "give each request an id")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise InvalidInputError(str(path), "has no requests", "one JSON object per line")
    return cases


def failed_checks(item: Item, checks: Checks) -> list[str]:
    """The checks this pick fails (empty: it satisfies the request's facets)."""
    genres = set(item.genres)
    failed = []
    if any(g not in genres for g in checks.want_all):
        failed.append("want_all")
    if checks.want_any and not genres & set(checks.want_any):
        failed.append("want_any")
    if genres & set(checks.avoid):
        failed.append("avoid")
    if checks.year_min is not None and (item.year is None or item.year < checks.year_min):
        failed.append("year_min")
    if checks.year_max is not None and (item.year is None or item.year > checks.year_max):
        failed.append("year_max")
    if checks.not_title is not None and item.title == checks.not_title:
        failed.append("not_title")
    return failed
