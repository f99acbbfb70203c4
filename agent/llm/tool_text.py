"""Tool calls written as text by an instruct model, in the formats its chat template taught it.

llama.cpp returns structured tool calls only when ``tool_choice`` names one function (a grammar then
forces that function's arguments); with "auto" the model's call stays text in its reply. So the local
provider lets the model choose in its own trained format and reads the call back here:
Hermes/Qwen ``<tool_call>{...}</tool_call>``, Llama 3 ``{"name": ..., "parameters": ...}`` (after an
optional ``<|python_tag|>``), Mistral ``[TOOL_CALLS] [...]``, or a bare JSON object or list at the start.
A call whose arguments cannot be read keeps ``arguments=None``: the caller asks llama.cpp again with
that function named, so a grammar writes them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_BLOCK = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_PREFIXES = ("<|python_tag|>", "[TOOL_CALLS]", "```json", "```")
_NAME = re.compile(r'"name"\s*:\s*"([A-Za-z0-9_.-]+)"')


@dataclass(frozen=True)
class TextCall:
    """A call read from the text; ``arguments`` is None when the model wrote them unreadably."""

    name: str
    arguments: dict[str, Any] | None


def _from_value(value: Any) -> list[TextCall]:
    if isinstance(value, list):
        return [call for item in value for call in _from_value(item)]
    if not isinstance(value, dict):
        return []
    if isinstance(value.get("function"), dict):  # OpenAI's wire shape written out as text
        value = value["function"]
    name = value.get("name")
    if not isinstance(name, str) or not name:
        return []
    arguments = value.get("arguments", value.get("parameters", {}))
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments or "{}")
        except json.JSONDecodeError:
            arguments = None
    return [TextCall(name=name, arguments=arguments if isinstance(arguments, dict) else None)]


def _leading_json(text: str) -> tuple[list[TextCall], bool]:
    """Calls from JSON values at the start of ``text`` (separated by ``;`` or ``,``); and whether one was cut."""
    decoder = json.JSONDecoder()
    calls: list[TextCall] = []
    position = 0
    while position < len(text) and text[position] in "{[":
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            names = _NAME.findall(text[position:])
            return calls + [TextCall(name=names[0], arguments=None)] if names else calls, True
        calls += _from_value(value)
        while position < len(text) and text[position] in " \t\r\n;,`":
            position += 1
    return calls, False


def read_tool_calls(text: str) -> tuple[str, list[TextCall]]:
    """The reply's prose (tool-call markup removed) and the calls it contains, in order."""
    blocks = _BLOCK.findall(text)
    if blocks:
        calls: list[TextCall] = []
        for block in blocks:
            found, _ = _leading_json(block.strip())
            if not found and (names := _NAME.findall(block)):
                found = [TextCall(name=names[0], arguments=None)]
            calls += found
        return _BLOCK.sub("", text).strip(), calls
    body = text.strip()
    for prefix in _PREFIXES:
        if body.startswith(prefix):
            body = body[len(prefix) :].lstrip()
    calls, _ = _leading_json(body)
    return ("" if calls else text.strip()), calls
