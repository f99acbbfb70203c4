"""Request bodies the server accepts, and the OpenAI-shaped objects it answers with.

Requests are lenient where OpenAI clients differ (unknown fields, content as text parts) and strict
where a wrong type would otherwise be guessed at (messages must be a list of role/content objects).
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from memory.errors import InvalidInputError

MODEL_ID = "rapport"


class ContentPart(BaseModel):
    """One part of a multi-part message; only text parts carry anything the assistant reads."""

    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(part.text for part in self.content if part.type == "text" and part.text)
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    """The fields of OpenAI's chat request that matter here; sampling options are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = MODEL_ID
    messages: list[ChatMessageIn] = Field(min_length=1)
    stream: bool = False
    user: str | None = None

    def turn(self) -> str:
        """The last user message: the client's earlier messages are its own copy of the history."""
        for index in range(len(self.messages) - 1, -1, -1):
            message = self.messages[index]
            if message.role == "user":
                text = message.text()
                if not text.strip():
                    raise InvalidInputError(f"messages.{index}.content", "the last user message has no text")
                return text
        raise InvalidInputError("messages", "no message with role 'user'", "end the conversation with a user message")


class NewMemoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def memory_json(memory: Any) -> dict[str, Any]:
    return memory.model_dump(mode="json")


def rapport_extra(reply: Any, thread_id: str | None) -> dict[str, Any]:
    """What OpenAI's format has no field for: recalled memories, tool calls, timings (clients ignore it)."""
    return {
        "thread_id": getattr(reply, "thread_id", thread_id),
        "recalled": [memory_json(m) for m in reply.recalled],
        "tool_calls": list(reply.tool_calls),
        "timings": dict(reply.timings),
    }


def chat_completion(reply: Any, *, model: str, thread_id: str | None) -> dict[str, Any]:
    """A ``chat.completion`` object for a whole reply."""
    return {
        "id": completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.text},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "rapport": rapport_extra(reply, thread_id),
    }


def chat_chunk(
    chunk_id: str,
    model: str,
    delta: dict[str, Any],
    *,
    finish_reason: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One ``chat.completion.chunk`` of a streamed reply."""
    chunk: dict[str, Any] = {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
    }
    if extra:
        chunk["rapport"] = extra
    return chunk


def model_list(created: int) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"id": MODEL_ID, "object": "model", "created": created, "owned_by": "rapport"}],
    }
