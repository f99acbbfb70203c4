"""Reply scenarios: what users tell (in earlier threads), what they then ask, and what a good reply holds.

The bundled set is ``scenarios.jsonl`` beside this file; ``--scenarios FILE`` runs another in the same format.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from memory.errors import InvalidInputError

Category = Literal["recall", "preference", "changed", "unknown", "isolation", "acknowledge", "smalltalk", "recommend"]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]


class Said(BaseModel):
    """One message; ``user`` is a name local to the scenario ("a", "b"), ``thread`` one of its threads."""

    text: str = Field(min_length=1)
    user: str = "a"
    thread: str = "setup"


class Scenario(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,60}$")
    category: Category
    turns: list[Said] = Field(default_factory=list, description="Told before the question, each written to memory.")
    ask: Said
    catalog: bool = False
    contain_any: list[str] = Field(default_factory=list)
    contain_all: list[str] = Field(default_factory=list)
    not_contain: list[str] = Field(default_factory=list)
    picks_min: int = 0
    picks_genres_any: list[str] = Field(default_factory=list)
    picks_genres_none: list[str] = Field(default_factory=list)


def bundled_path() -> Path:
    return Path(str(files("evals.replies").joinpath("scenarios.jsonl")))


def load_scenarios(path: Path | None = None) -> list[Scenario]:
    """Scenarios from a JSON Lines file; a bad line is an error that names the line and the field."""
    path = path or bundled_path()
    if not path.is_file():
        raise InvalidInputError("--scenarios", f"{path} is not a file", "pass a .jsonl file of scenarios")
    scenarios, seen = [], set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            scenario = Scenario.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as error:
            raise InvalidInputError("--scenarios", f"line {number} of {path}: {error}", "fix that line") from None
        if scenario.id in seen:
            raise InvalidInputError("--scenarios", f"line {number}: id {scenario.id!r} appears twice", "rename one")
        seen.add(scenario.id)
        scenarios.append(scenario)
    if not scenarios:
        raise InvalidInputError("--scenarios", f"{path} has no scenarios")
    return scenarios
