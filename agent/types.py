"""What the assistant hands back: a whole reply, or the events of a streamed one."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from memory import Memory


class Reply(BaseModel):
    text: str
    thread_id: str
    recalled: list[Memory] = Field(default_factory=list, description="Memories put in the prompt, best first.")
    tool_calls: list[dict[str, Any]] = Field(default_factory=list, description="Each call with its result or error.")
    timings: dict[str, float] = Field(default_factory=dict, description="Seconds per step of the turn.")


class StreamEvent(BaseModel):
    """``recalled`` first, then ``tool`` per tool call, ``token`` per piece of text, and ``done`` last."""

    type: Literal["recalled", "tool", "token", "done"]
    text: str = ""
    memories: list[Memory] = Field(default_factory=list)
    tool: dict[str, Any] | None = None
    reply: Reply | None = None
