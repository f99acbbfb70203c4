"""Per-user memory: records, the Chroma-backed store, embeddings and keyword search."""

from .errors import InvalidInputError, NotFoundError, RapportError, StoreUnavailableError
from .records import Hit, Memory, MemoryKind, MemoryStatus, NewMemory
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
