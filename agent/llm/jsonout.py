"""JSON replies from a small model: the prompt that asks for one, and strict parsing into pydantic.

Kept apart from any runtime so every provider parses and reports failures the same way.
"""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from .errors import LLMOutputError

ModelT = TypeVar("ModelT", bound=BaseModel)


def schema_text(schema: type[BaseModel], *, for_prompt: bool = False) -> str:
    """The JSON schema of ``schema``, compact; for a prompt, ``title``s are dropped (tokens, no meaning)."""
    value = schema.model_json_schema()
    return json.dumps(_without_titles(value) if for_prompt else value, separators=(",", ":"))


def _without_titles(node: object) -> object:
    if isinstance(node, dict):
        return {key: _without_titles(value) for key, value in node.items() if key != "title"}
    if isinstance(node, list):
        return [_without_titles(item) for item in node]
    return node


def parse_reply(text: str, schema: type[ModelT]) -> ModelT:
    """The first JSON object in ``text`` validated into ``schema``.

    Text around the object is tolerated (base models like to add a sentence); anything else —
    no object, broken JSON, wrong fields — raises ``LLMOutputError`` carrying the raw reply.
    """
    start = text.find("{")
    if start < 0:
        raise LLMOutputError(f"the model's reply holds no JSON object for {schema.__name__}", raw=text)
    try:
        value, _ = json.JSONDecoder().raw_decode(text[start:])
    except json.JSONDecodeError as error:
        raise LLMOutputError(f"the model's reply is not valid JSON ({error.msg})", raw=text) from None
    try:
        return schema.model_validate(value)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'object'}: {e['msg']}" for e in error.errors())
        raise LLMOutputError(f"the model's JSON does not fit {schema.__name__}: {problems}", raw=text) from None


def close_json(text: str) -> str:
    """``text`` with the strings, arrays and objects that ``max_tokens`` left open closed, in order."""
    closers: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            closers.append("}" if char == "{" else "]")
        elif char in "}]" and closers:
            closers.pop()
    tail = text.rstrip()
    if in_string:
        tail += "\\" if escaped else ""
        tail += '"'
    elif tail.endswith(","):
        tail = tail[:-1]
    elif tail.endswith(":"):
        tail += " null"
    return tail + "".join(reversed(closers))
