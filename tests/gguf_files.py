"""Writes small but valid GGUF files for tests (header and metadata; optionally a copy of real tensors).

Our own writer (the format is a short header, see agent/llm/gguf_header.py) so the tests need no
extra package: a header-only GGUF is what a download check reads, and damaged variants are cut from it.
"""

from __future__ import annotations

import struct
from pathlib import Path

CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def _string(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def _value(value: object) -> bytes:
    if isinstance(value, bool):
        return struct.pack("<I?", 7, value)
    if isinstance(value, int):
        return struct.pack("<Ii", 5, value)
    if isinstance(value, float):
        return struct.pack("<If", 6, value)
    if isinstance(value, str):
        return struct.pack("<I", 8) + _string(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return struct.pack("<IIQ", 9, 8, len(value)) + b"".join(_string(item) for item in value)
    if isinstance(value, list) and all(isinstance(item, int) for item in value):
        return struct.pack("<IIQ", 9, 5, len(value)) + struct.pack(f"<{len(value)}i", *value)
    raise TypeError(f"cannot write {value!r}")


def gguf_bytes(metadata: dict[str, object], *, version: int = 3, tensor_count: int = 0) -> bytes:
    """A GGUF header with ``metadata`` and no tensor data."""
    body = b"".join(_string(key) + _value(value) for key, value in metadata.items())
    return b"GGUF" + struct.pack("<IQQ", version, tensor_count, len(metadata)) + body


def write_gguf(path: Path, metadata: dict[str, object] | None = None, **options: int) -> Path:
    metadata = (
        metadata
        if metadata is not None
        else {
            "general.architecture": "llama",
            "general.name": "Tiny Test",
            "tokenizer.ggml.tokens": ["<s>", "</s>", "hello"],
            "tokenizer.ggml.token_type": [3, 3, 1],
            "tokenizer.chat_template": CHATML,
        }
    )
    path.write_bytes(gguf_bytes(metadata, **options))
    return path
