"""Reading and writing the official LaMP files, with errors that name the file, the id and the field.

A wrong score is worse than no score: anything that does not match the official format (ids that
differ between questions and outputs, profile items without the task's fields, empty profiles,
non-UTF-8 text) stops the run with a message saying what to fix.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memory.errors import InvalidInputError
from memory.textfile import read_utf8

from .tasks import TaskSpec


@dataclass(frozen=True)
class Question:
    id: str
    input: str
    profile: list[dict[str, str]]
    user_id: str | None = None


@dataclass
class Outputs:
    task: str
    golds: dict[str, str] = field(default_factory=dict)  # id -> output, in file order


def read_json(path: Path) -> Any:
    """Parse a JSON file; a missing file, bad encoding or bad JSON is an ``InvalidInputError`` naming it."""
    text = read_utf8(path, fix="check --data/--split or the path given")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInputError(str(path), f"is not valid JSON: {error.msg} at line {error.lineno}") from None


def _text(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidInputError(where, f"must be text, got {type(value).__name__}")
    return str(value)


def load_questions(path: Path, spec: TaskSpec) -> list[Question]:
    """``{split}_questions.json``: a list of ``{id, input, profile}``; every item needs the task's fields."""
    data = read_json(path)
    if not isinstance(data, list):
        raise InvalidInputError(str(path), "must be a JSON list of questions")
    questions: list[Question] = []
    seen: set[str] = set()
    for position, entry in enumerate(data):
        if not isinstance(entry, dict) or "id" not in entry:
            raise InvalidInputError(f"{path}: question {position}", "must be an object with an 'id'")
        qid = _text(entry["id"], f"{path}: question {position}: id")
        where = f"{path}: id {qid}"
        if qid in seen:
            raise InvalidInputError(f"{where}: id", "appears twice", "ids must be unique")
        seen.add(qid)
        if "input" not in entry:
            raise InvalidInputError(f"{where}: input", "is missing")
        profile = entry.get("profile")
        if not isinstance(profile, list):
            raise InvalidInputError(f"{where}: profile", "is missing or not a list")
        if not profile:
            raise InvalidInputError(f"{where}: profile", "is empty", "every LaMP question has a profile")
        items = [_profile_item(item, spec, f"{where}: profile[{i}]") for i, item in enumerate(profile)]
        user = entry.get("user_id")
        questions.append(
            Question(
                id=qid,
                input=_text(entry["input"], f"{where}: input"),
                profile=items,
                user_id=None if user is None else _text(user, f"{where}: user_id"),
            )
        )
    return questions


def _profile_item(item: Any, spec: TaskSpec, where: str) -> dict[str, str]:
    if not isinstance(item, dict):
        raise InvalidInputError(where, "must be an object")
    checked: dict[str, str] = {}
    for name in spec.fields:
        if name not in item or item[name] is None:
            raise InvalidInputError(f"{where}: {name}", f"is missing ({spec.name} items need {', '.join(spec.fields)})")
    for name, value in item.items():
        if value is not None and name in {*spec.fields, *spec.corpus, "id", "date"}:
            checked[name] = _text(value, f"{where}: {name}")
    for name in spec.fields:
        if not checked[name].strip():
            raise InvalidInputError(f"{where}: {name}", "is empty")
    return checked


def load_outputs(path: Path) -> Outputs:
    """``{split}_outputs.json`` (or a predictions file): ``{"task": ..., "golds": [{"id", "output"}]}``."""
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("golds"), list):
        raise InvalidInputError(str(path), 'must be an object {"task": ..., "golds": [{"id": ..., "output": ...}]}')
    outputs = Outputs(task=str(data.get("task", "")))
    for position, entry in enumerate(data["golds"]):
        if not isinstance(entry, dict) or "id" not in entry or "output" not in entry:
            raise InvalidInputError(f"{path}: golds[{position}]", "needs 'id' and 'output'")
        gid = _text(entry["id"], f"{path}: golds[{position}]: id")
        if gid in outputs.golds:
            raise InvalidInputError(f"{path}: id {gid}", "appears twice", "ids must be unique")
        outputs.golds[gid] = _text(entry["output"], f"{path}: id {gid}: output")
    return outputs


def check_same_ids(expected: list[str] | set[str], got: list[str] | set[str], path: Path, other: Path) -> None:
    """The official scorer requires identical id sets; say which ids are missing or extra."""
    missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{len(missing)} ids of {other} missing (e.g. {', '.join(missing[:3])})")
        if extra:
            parts.append(f"{len(extra)} ids not in {other} (e.g. {', '.join(extra[:3])})")
        raise InvalidInputError(f"{path}: id", "; ".join(parts), "questions and outputs must hold the same ids")


def check_task(outputs: Outputs, spec: TaskSpec, path: Path) -> None:
    if outputs.task and outputs.task != spec.official:
        raise InvalidInputError(f"{path}: task", f"is {outputs.task!r}, expected {spec.official!r} for {spec.name}")


def load_split(folder: Path, split: str, spec: TaskSpec) -> tuple[list[Question], Outputs]:
    """Questions and golds of one split, checked against each other."""
    questions_path = Path(folder) / f"{split}_questions.json"
    outputs_path = Path(folder) / f"{split}_outputs.json"
    outputs = load_outputs(outputs_path)
    check_task(outputs, spec, outputs_path)  # first: a wrong --task would otherwise show as missing fields
    questions = load_questions(questions_path, spec)
    check_same_ids([q.id for q in questions], list(outputs.golds), outputs_path, questions_path)
    return questions, outputs


def write_outputs(path: Path, task: str, predictions: dict[str, str]) -> None:
    """Write predictions in the official outputs format, atomically (a crash never leaves half a file)."""
    payload = {"task": task, "golds": [{"id": qid, "output": output} for qid, output in predictions.items()]}
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, path)
