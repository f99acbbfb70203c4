"""The chat-completions wire format: Rapport messages and tools out, tool calls and JSON replies back in.

Pure functions, no client: kept apart from ``openai_provider`` so they are testable on their own and
usable by anything else that speaks the OpenAI format.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel

from memory.errors import InvalidInputError

from .base import Message, ToolCall
from .errors import LLMOutputError
from .jsonout import parse_reply

ModelT = TypeVar("ModelT", bound=BaseModel)
FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)


def repair_json(text: str, schema: type[ModelT]) -> ModelT:
    """``text`` parsed into ``schema`` after the usual damage is undone: code fences, prose around the object."""
    fenced = FENCE.search(text)
    if fenced:
        try:
            return parse_reply(fenced.group(1), schema)
        except LLMOutputError:
            pass  # the fence may hold something else; fall back to the whole text
    return parse_reply(text, schema)


def to_openai_message(message: Message) -> dict[str, Any]:
    """One ``Message`` in the chat-completions wire format (tool results and tool requests included)."""
    if message.role == "tool":
        if not message.tool_call_id:
            raise InvalidInputError("tool_call_id", "a tool message must name the call it answers")
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    if message.role == "assistant" and message.tool_calls:
        return {
            "role": "assistant",
            "content": message.content or None,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
                }
                for call in message.tool_calls
            ],
        }
    return {"role": message.role, "content": message.content}


def to_openai_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """Accept both ``{"type": "function", "function": {...}}`` and a bare function schema."""
    if tool.get("type") == "function" and "function" in tool:
        return tool
    if "name" in tool:
        return {"type": "function", "function": tool}
    raise InvalidInputError(
        "tools", f"not a function tool schema: {sorted(tool)}", "give name, description, parameters"
    )


def parse_tool_call(call_id: str, name: str, arguments: str) -> ToolCall:
    """A ``ToolCall`` from the wire; arguments that are not a JSON object (even after repair) are an error."""
    text = (arguments or "").strip() or "{}"
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        start, end = text.find("{"), text.rfind("}")
        try:
            value = json.loads(text[start : end + 1]) if 0 <= start < end else None
        except json.JSONDecodeError:
            value = None
    if not isinstance(value, dict):
        raise LLMOutputError(f"the model called {name!r} with arguments that are not a JSON object", raw=arguments)
    return ToolCall(id=call_id, name=name, arguments=value)
