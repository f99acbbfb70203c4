"""Turning what callers pass in (texts, dicts, exported lines) into checked ``Memory`` records."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from .errors import InvalidInputError
from .records import (
    Memory,
    NewMemory,
    as_utc,
    check_context,
    check_kind,
    check_metadata,
    check_text,
    new_memory_id,
)


def check_count(field: str, value: object, *, minimum: int, maximum: int | None = None) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InvalidInputError(field, f"must be an integer >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise InvalidInputError(field, f"must be at most {maximum}, got {value}")


def json_metadata(metadata: object, field: str = "metadata") -> dict[str, Any]:
    checked = check_metadata(metadata)
    try:
        json.dumps(checked, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidInputError(field, f"is not JSON-serialisable: {error}") from None
    return checked


def as_new_memory(item: NewMemory | dict[str, Any] | str, index: int) -> NewMemory:
    if isinstance(item, NewMemory):
        return item
    if isinstance(item, str):
        item = {"text": item}
    if not isinstance(item, dict):
        raise InvalidInputError(f"items[{index}]", f"expected text, a dict or NewMemory, got {type(item).__name__}")
    try:
        return NewMemory.model_validate(item)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else f"items[{index}]"
        raise InvalidInputError(field, f"{first['msg']} (item {index})") from None


def new_memory(user_id: str, item: NewMemory, now: datetime) -> Memory:
    created = as_utc(item.created_at) if item.created_at is not None else now
    return Memory(
        id=new_memory_id(),
        user_id=user_id,
        text=check_text(item.text),
        kind=check_kind(item.kind),
        created_at=created,
        updated_at=created,
        source=item.source,
        context=check_context(item.context),
        metadata=json_metadata(item.metadata),
    )


def record_items(
    records: str | Iterable[Memory | dict[str, Any] | str],
) -> Iterator[Memory | dict[str, Any] | str]:
    if isinstance(records, str):
        yield from (line for line in records.splitlines() if line.strip())
    else:
        yield from records


def parse_record(user_id: str, record: Memory | dict[str, Any] | str, line: int) -> Memory:
    try:
        if isinstance(record, Memory):
            memory = record
        elif isinstance(record, str):
            memory = Memory.model_validate_json(record)
        else:
            memory = Memory.model_validate(record)
    except ValueError as error:
        raise InvalidInputError(f"records line {line}", str(error).splitlines()[0], "pass lines of export()") from None
    check_text(memory.text, f"records line {line}: text")
    return memory.model_copy(
        update={
            "user_id": user_id,
            "created_at": as_utc(memory.created_at),
            "updated_at": as_utc(memory.updated_at),
            "metadata": json_metadata(memory.metadata, f"records line {line}: metadata"),
        }
    )
