"""Reading files a user points us at: UTF-8 or a clear error naming the file, never replaced bytes."""

from __future__ import annotations

from pathlib import Path

from .errors import InvalidInputError


def read_utf8(path: Path | str, *, fix: str = "check the path") -> str:
    """The whole file as text (a UTF-8 BOM is dropped); errors name the file, the byte and the line."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(str(path), "file not found", fix)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InvalidInputError(str(path), f"cannot be read: {error.strerror or error}", fix) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InvalidInputError(
            str(path), f"is not UTF-8 (byte {error.start}, line {line})", "re-save the file as UTF-8"
        ) from None
