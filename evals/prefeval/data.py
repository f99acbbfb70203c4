"""Reading PrefEval's ``mcq_options`` files: one JSON list per topic of {preference, question, ...} items."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from memory.errors import InvalidInputError


class Item(BaseModel):
    """A preference a person states, and a later question whose good answer depends on it."""

    topic: str
    preference: str
    question: str
    options: list[str] = Field(default_factory=list, validation_alias="classification_task_options")
    """Answers to the question; the first follows the preference, the others break or ignore it."""


def load_topics(data: Path, per_topic: int | None = None) -> dict[str, list[Item]]:
    """Items of every topic file under ``data/mcq_options`` (or ``data`` itself), the first ``per_topic`` of each.

    Errors name the file and the item, so a broken download is found without a traceback.
    """
    folder = data / "mcq_options" if (data / "mcq_options").is_dir() else data
    if not folder.is_dir():
        raise InvalidInputError("--data", f"{data} is not a folder", "pass the prefeval folder (with mcq_options/)")
    files = sorted(folder.glob("*.json"))
    if not files:
        raise InvalidInputError("--data", f"no topic files (*.json) in {folder}")
    return {path.stem: _items(path)[:per_topic] for path in files}


def _items(path: Path) -> list[Item]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInputError("--data", f"{path} is not UTF-8 JSON: {error}") from None
    if not isinstance(raw, list):
        raise InvalidInputError("--data", f"{path}: expected a list of items, got {type(raw).__name__}")
    items = []
    for index, entry in enumerate(raw):
        try:
            items.append(Item.model_validate({**entry, "topic": path.stem} if isinstance(entry, dict) else entry))
        except ValidationError as error:
            problem = error.errors()[0]
            raise InvalidInputError("--data", f"{path} item {index}: {problem['loc']} {problem['msg']}") from None
    return items
