"""Per-user memory: records, the Chroma-backed store, embeddings and keyword search.

``MemoryStore`` is imported on first use: Chroma takes about a second to import, and the records,
errors and the chat models (which import this package) do not need it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import InvalidInputError, NotFoundError, RapportError, StoreUnavailableError
from .records import Hit, Memory, MemoryKind, MemoryStatus, NewMemory

if TYPE_CHECKING:
    from .store import MemoryStore

__all__ = [
    "Hit",
    "InvalidInputError",
    "Memory",
    "MemoryKind",
    "MemoryStatus",
    "MemoryStore",
    "NewMemory",
    "NotFoundError",
    "RapportError",
    "StoreUnavailableError",
]


def __getattr__(name: str) -> Any:
    if name == "MemoryStore":
        from .store import MemoryStore

        return MemoryStore
    raise AttributeError(f"module 'memory' has no attribute {name!r}")
