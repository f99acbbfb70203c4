"""How a ``Memory`` is laid out in Chroma: the vector, two filterable fields, and the record as JSON.

Only ``kind`` and ``status`` are separate metadata fields, because search filters on them; the whole
record (text included) is one JSON string. Chroma indexes every metadata key and every document for
full-text search: keeping the text out of ``documents`` and the rest in one field made writes about
twice as fast, and the JSON round-trips every value exactly. User-supplied metadata lives inside the
record, so it can never collide with (or spoof) the fields the store filters on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import StoreUnavailableError
from .records import Memory


def to_chroma(memory: Memory) -> tuple[str, dict[str, Any]]:
    fields = {
        "kind": memory.kind.value,
        "status": memory.status.value,
        "record": memory.model_dump_json(),
    }
    return memory.id, fields


def from_chroma(memory_id: str, fields: Mapping[str, Any]) -> Memory:
    if "record" not in fields:
        raise StoreUnavailableError(
            f"record {memory_id} is not in Rapport's storage layout (written by a development build?): "
            "export it with the version that wrote it, or remove that data folder"
        )
    memory = Memory.model_validate_json(fields["record"])
    if memory.id != memory_id:
        raise ValueError(f"record {memory_id} holds the JSON of {memory.id}: the collection is damaged")
    return memory
