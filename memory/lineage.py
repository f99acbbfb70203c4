"""What replaced what: the chain of versions a memory belongs to, oldest first.

``MemoryStore.supersede`` links the two records of a change both ways (the old one's
``superseded_by``, the new one's ``metadata["supersedes"]``); a person inspecting their memories
wants the whole chain ("I live in Paris" -> "I moved to Berlin" -> "I moved to Lisbon").
"""

from __future__ import annotations

from .errors import NotFoundError
from .records import Memory
from .store import MemoryStore

MAX_CHAIN = 100  # a guard against a corrupted link cycle, far above any real history


def lineage(store: MemoryStore, user_id: str, memory: Memory) -> list[Memory]:
    """Every version linked to ``memory`` (itself included), oldest first; a missing link ends the chain."""
    seen = {memory.id}
    older: list[Memory] = []
    current = memory
    while (previous_id := current.metadata.get("supersedes")) and previous_id not in seen and len(seen) < MAX_CHAIN:
        try:
            current = store.get(user_id, str(previous_id))
        except NotFoundError:  # the older version was deleted
            break
        seen.add(current.id)
        older.append(current)
    newer: list[Memory] = []
    current = memory
    while (next_id := current.superseded_by) and next_id not in seen and len(seen) < MAX_CHAIN:
        try:
            current = store.get(user_id, next_id)
        except NotFoundError:
            break
        seen.add(current.id)
        newer.append(current)
    return [*reversed(older), memory, *newer]
