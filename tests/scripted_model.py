"""A deterministic chat model for tests only: it stands in for an LLM, never in the product.

Replies come from queues (or a function of the messages), so a test states exactly what the
"model" says and can assert on what it was asked (``calls``).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from agent.llm.base import Message, ToolCall
from agent.llm.errors import LLMOutputError

ModelT = TypeVar("ModelT", bound=BaseModel)


class ScriptedModel:
    """Implements ChatModel (and ToolCallingModel when ``supports_tools``)."""

    def __init__(
        self,
        replies: Iterable[str] = (),
        *,
        reply_fn: Callable[[Sequence[Message]], str] | None = None,
        json_replies: Iterable[str | BaseModel] = (),
        tool_turns: Iterable[list[ToolCall]] = (),
        score_fn: Callable[[str, Sequence[str]], list[float]] | None = None,
        supports_tools: bool = False,
        delay_s: float = 0.0,
        default_reply: str = "OK.",
    ) -> None:
        self.replies = deque(replies)
        self.reply_fn = reply_fn
        self.json_replies = deque(json_replies)
        self.tool_turns = deque(tool_turns)
        self.score_fn = score_fn
        self.supports_tools = supports_tools
        self.delay_s = delay_s
        self.default_reply = default_reply
        self.calls: list[tuple[str, Any]] = []

    def _next_reply(self, messages: Sequence[Message]) -> str:
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.replies:
            return self.replies.popleft()
        return self.reply_fn(messages) if self.reply_fn else self.default_reply

    def complete(self, messages: Sequence[Message], *, max_tokens: int = 256, stop=None, temperature=0.0) -> str:
        self.calls.append(("complete", list(messages)))
        return self._next_reply(messages)

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int = 256, stop=None, temperature=0.0
    ) -> Iterator[str]:
        self.calls.append(("stream", list(messages)))
        text = self._next_reply(messages)
        for index, word in enumerate(text.split(" ")):
            yield word if index == 0 else " " + word

    def complete_json(self, messages: Sequence[Message], schema: type[ModelT], *, max_tokens: int = 256) -> ModelT:
        self.calls.append(("complete_json", (list(messages), schema)))
        if not self.json_replies:
            raise LLMOutputError(f"scripted model has no JSON reply left for {schema.__name__}")
        reply = self.json_replies.popleft()
        if isinstance(reply, BaseModel):
            return schema.model_validate(reply.model_dump())
        try:
            return schema.model_validate_json(reply)
        except ValidationError as error:
            raise LLMOutputError(f"invalid JSON for {schema.__name__}: {error}", raw=reply) from None

    def complete_with_tools(
        self, messages: Sequence[Message], tools: Sequence[dict[str, Any]], *, max_tokens: int = 512
    ) -> tuple[str, list[ToolCall]]:
        self.calls.append(("complete_with_tools", (list(messages), list(tools))))
        if self.tool_turns:
            return "", self.tool_turns.popleft()
        return "", []  # done with tools; the reply itself comes from stream()/complete()

    def score(self, prompt: str, options: Sequence[str]) -> list[float]:
        self.calls.append(("score", (prompt, list(options))))
        if self.score_fn is not None:
            return self.score_fn(prompt, options)
        return [-float(len(option)) for option in options]

    def generate(self, prompt: str, *, max_tokens: int = 256, stop=None, temperature=0.0) -> str:
        self.calls.append(("generate", prompt))
        return self._next_reply([Message(role="user", content=prompt)])

    def stream_text(self, prompt: str, *, max_tokens: int = 256, stop=None, temperature=0.0) -> Iterator[str]:
        yield from self.stream([Message(role="user", content=prompt)])
