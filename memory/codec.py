"""How a ``Memory`` is laid out in Chroma: document = text, metadata = flat scalar fields.

Free metadata is kept as one JSON string so any JSON value round-trips exactly, and so that
user-supplied keys can never collide with (or spoof) the fields the store filters on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .records import Memory


def to_chroma(memory: Memory) -> tuple[str, str, dict[str, Any]]:
    fields: dict[str, Any] = {
        "user_id": memory.user_id,
        "kind": memory.kind.value,
        "status": memory.status.value,
        "created_at": memory.created_at.isoformat(),
        "created_ts": memory.created_at.timestamp(),
        "updated_at": memory.updated_at.isoformat(),
        "meta_json": json.dumps(memory.metadata, ensure_ascii=False, sort_keys=True),
    }
    if memory.superseded_by:
        fields["superseded_by"] = memory.superseded_by
    if memory.source:
        fields["source"] = memory.source
    if memory.context:
        fields["context"] = memory.context
    return memory.id, memory.text, fields


def from_chroma(memory_id: str, document: str, fields: Mapping[str, Any]) -> Memory:
    return Memory(
        id=memory_id,
        user_id=fields["user_id"],
        text=document,
        kind=fields["kind"],
        status=fields["status"],
        created_at=datetime.fromisoformat(fields["created_at"]),
        updated_at=datetime.fromisoformat(fields["updated_at"]),
        superseded_by=fields.get("superseded_by"),
        source=fields.get("source"),
        context=fields.get("context"),
        metadata=json.loads(fields.get("meta_json") or "{}"),
    )
