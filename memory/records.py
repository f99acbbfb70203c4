"""Memory records and search hits: the pydantic models every package passes around."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .errors import InvalidInputError

MAX_USER_ID_CHARS = 128
MAX_TEXT_BYTES = 32 * 1024
ID_SEPARATORS = frozenset("/\\")


class MemoryKind(StrEnum):
    """What a memory is about; retrieval can be limited to some kinds."""

    FACT = "fact"
    PREFERENCE = "preference"
    EVENT = "event"
    INTERACTION = "interaction"
    MESSAGE = "message"


class MemoryStatus(StrEnum):
    """Superseded memories are kept for history; retrieval prefers active ones."""

    ACTIVE = "active"
    SUPERSEDED = "superseded"


class Memory(BaseModel):
    """One remembered thing about one user."""

    model_config = ConfigDict(frozen=True)

    id: str
    user_id: str
    text: str
    kind: MemoryKind = MemoryKind.FACT
    created_at: datetime
    updated_at: datetime
    status: MemoryStatus = MemoryStatus.ACTIVE
    superseded_by: str | None = None
    source: str | None = Field(default=None, description="Where it came from, e.g. 'thread-1:4'.")
    context: str | None = Field(
        default=None,
        description="Text around the memory (the turn it answers, its date) that keyword search also matches.",
    )
    metadata: dict[str, Any] = Field(default_factory=dict)


class Hit(BaseModel):
    """A memory returned by search, with its score (higher is better; scale depends on the mode)."""

    memory: Memory
    score: float


class NewMemory(BaseModel):
    """An item for ``MemoryStore.add_many``."""

    text: str
    kind: MemoryKind | str = MemoryKind.FACT
    metadata: dict[str, Any] | None = None
    created_at: datetime | None = None
    source: str | None = None
    context: str | None = None


def new_memory_id() -> str:
    return uuid.uuid4().hex


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime, field: str = "created_at") -> datetime:
    """Naive datetimes are taken as UTC so stored times always compare and round-trip."""
    if not isinstance(value, datetime):
        raise InvalidInputError(field, f"expected a datetime, got {type(value).__name__}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def check_user_id(user_id: object) -> str:
    """A user id is a security boundary: reject anything ambiguous instead of normalising it."""
    return check_identifier(user_id, "user_id")


def check_identifier(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(field, f"must be a string, got {type(value).__name__}")
    if not value.strip():
        raise InvalidInputError(field, "is empty", "pass a non-empty id such as 'alice'")
    if value != value.strip():
        raise InvalidInputError(field, "has leading or trailing whitespace", "strip it")
    if len(value) > MAX_USER_ID_CHARS:
        raise InvalidInputError(field, f"is {len(value)} characters, the limit is {MAX_USER_ID_CHARS}")
    if not value.isprintable() or any(unicodedata.category(c) == "Cf" for c in value):
        raise InvalidInputError(field, "contains non-printable characters", "use printable characters only")
    if any(c in ID_SEPARATORS for c in value) or not value.strip("."):
        # One id, one path segment: "a/b" or ".." could be created but never addressed by a URL again.
        raise InvalidInputError(field, f"{value!r} has '/' or '\\' or is only dots", "use a name such as 'alice'")
    return value


def check_text(text: object, field: str = "text") -> str:
    if not isinstance(text, str):
        raise InvalidInputError(field, f"must be a string, got {type(text).__name__}")
    if not text.strip():
        raise InvalidInputError(field, "is empty or only whitespace", "give the text to remember")
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_TEXT_BYTES:
        raise InvalidInputError(field, f"is {size} bytes, the limit is {MAX_TEXT_BYTES} bytes", "split it up")
    return check_unicode(text, field)


def check_unicode(text: str, field: str) -> str:
    """Text every store can hold: valid Unicode (no lone surrogates) and no NUL characters."""
    if "\x00" in text:
        raise InvalidInputError(field, "contains a NUL character", "remove it")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError(field, "is not valid Unicode (a lone surrogate)", "send valid UTF-8 text") from None
    return text


def check_context(context: object) -> str | None:
    """Optional search context: empty means none; otherwise the same limits as text."""
    if context is None or (isinstance(context, str) and not context.strip()):
        return None
    return check_text(context, "context")


def check_kind(kind: object) -> MemoryKind:
    try:
        return MemoryKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in MemoryKind)
        raise InvalidInputError("kind", f"unknown kind {kind!r}", f"use one of: {allowed}") from None


def check_metadata(metadata: object) -> dict[str, Any]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict) or not all(isinstance(key, str) for key in metadata):
        raise InvalidInputError("metadata", "must be a dict with string keys")
    return dict(metadata)
