"""Reads a GGUF file's header (version, tensor count, metadata) in pure Python, without llama.cpp.

Why our own reader: checking a file before handing it to llama.cpp turns "missing", "not GGUF" and
"cut short" into errors that name the file, and lets ``rapport model list`` tell a chat model (one with
``tokenizer.chat_template``) from a base model without loading any weights. Arrays in the metadata
(the vocabulary) are skipped, not stored: only scalars and strings are kept.

Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md (little-endian; v2 and v3).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .errors import ModelFileError

MAGIC = b"GGUF"
_SCALARS: dict[int, str] = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9
_MAX_STRING = 64 * 1024 * 1024  # a chat template is a few KB; anything this large is damage


@dataclass(frozen=True)
class GGUFHeader:
    """What the header of a GGUF file says."""

    path: Path
    version: int
    tensor_count: int
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def chat_template(self) -> str | None:
        """The Jinja chat template an instruct model carries; None for a base model."""
        template = self.metadata.get("tokenizer.chat_template")
        return template if isinstance(template, str) and template.strip() else None

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name") or self.path.stem)

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture") or "unknown")


class _Reader:
    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle

    def take(self, size: int) -> bytes:
        data = self.handle.read(size)
        if len(data) != size:
            raise EOFError
        return data

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        size = self.unpack("<Q")
        if size > _MAX_STRING:
            raise ValueError(f"a metadata string claims {size} bytes")
        return self.take(size).decode("utf-8", errors="replace")

    def value(self, kind: int) -> Any:
        if kind in _SCALARS:
            return self.unpack(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item_kind, count = self.unpack("<I"), self.unpack("<Q")
            if item_kind in _SCALARS:  # skip without decoding: the vocabulary has ~50k entries
                self.handle.seek(struct.calcsize(_SCALARS[item_kind]) * count, 1)
            elif item_kind == _STRING:
                for _ in range(count):
                    self.handle.seek(self.unpack("<Q"), 1)
            else:
                for _ in range(count):
                    self.value(item_kind)
            return None
        raise ValueError(f"unknown metadata value type {kind}")


def read_header(path: Path) -> GGUFHeader:
    """The header of the GGUF at ``path``; raises ``ModelFileError`` naming the file when it is not one."""
    path = path.expanduser()
    if not path.is_file():
        raise ModelFileError(path, "does not exist" if not path.exists() else "is not a file")
    size = path.stat().st_size
    try:
        with path.open("rb") as handle:
            reader = _Reader(handle)
            if handle.read(4) != MAGIC:
                raise ModelFileError(path, "is not a GGUF model file (it does not start with the GGUF magic bytes)")
            version = reader.unpack("<I")
            if version not in (2, 3):
                raise ModelFileError(path, f"is GGUF version {version}; llama.cpp reads versions 2 and 3")
            tensor_count, kv_count = reader.unpack("<Q"), reader.unpack("<Q")
            metadata: dict[str, Any] = {}
            for _ in range(kv_count):
                key = reader.string()
                value = reader.value(reader.unpack("<I"))
                if value is not None:
                    metadata[key] = value
            if handle.tell() > size:  # a seek past the end while skipping an array
                raise EOFError
    except EOFError:
        raise ModelFileError(path, f"is damaged: its header is cut short ({size} bytes); download it again") from None
    except (ValueError, struct.error) as error:
        raise ModelFileError(path, f"is damaged: {error}; download it again") from None
    except OSError as error:
        raise ModelFileError(path, f"cannot be read: {error.strerror or error}") from None
    return GGUFHeader(path=path, version=version, tensor_count=tensor_count, metadata=metadata)
