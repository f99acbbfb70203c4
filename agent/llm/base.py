"""The chat-model protocol every provider implements, and the message type at its boundary.

Kept tiny on purpose: the agent graph, the LaMP harness and memory extraction depend only on this,
so a local base model and an OpenAI-compatible server are interchangeable behind it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant", "tool"]
ModelT = TypeVar("ModelT", bound=BaseModel)


class ToolCall(BaseModel):
    """A tool the model asked to run; ``arguments`` are validated by the tool's own model before use."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Message(BaseModel):
    """One turn of a conversation."""

    model_config = ConfigDict(frozen=True)

    role: Role
    content: str
    tool_call_id: str | None = None
    tool_calls: list[ToolCall] | None = None


@runtime_checkable
class ChatModel(Protocol):
    """What Rapport needs from a language model.

    Chat-level calls take messages; ``generate``/``stream_text`` are the raw completion level that
    base models are good at (patterns, few-shot). ``score`` is how classification is done: compare
    the likelihood of each option instead of parsing free text.
    """

    supports_tools: bool

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
    ) -> str:
        """The assistant's next reply, whole."""
        ...

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
    ) -> Iterator[str]:
        """The assistant's next reply in pieces; joined they equal ``complete``'s text."""
        ...

    def complete_json(
        self,
        messages: Sequence[Message],
        schema: type[ModelT],
        *,
        max_tokens: int = 256,
    ) -> ModelT:
        """A reply parsed into ``schema``; raises ``LLMOutputError`` when no valid object comes back."""
        ...

    def score(self, prompt: str, options: Sequence[str]) -> list[float]:
        """Log-probability of each option as the continuation of ``prompt`` (higher is likelier)."""
        ...

    def generate(
        self,
        prompt: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
    ) -> str:
        """Raw completion of ``prompt``."""
        ...

    def stream_text(
        self,
        prompt: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
    ) -> Iterator[str]:
        """Raw completion of ``prompt``, streamed."""
        ...


@runtime_checkable
class ToolCallingModel(ChatModel, Protocol):
    """A chat model that can choose tools itself (``supports_tools`` is true)."""

    def complete_with_tools(
        self, messages: Sequence[Message], tools: Sequence[dict[str, Any]], *, max_tokens: int = 512
    ) -> tuple[str, list[ToolCall]]:
        """The reply text and the tool calls the model asked for (none means it is done)."""
        ...
