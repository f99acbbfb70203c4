"""What a tool call may touch: one user's scope and the services behind it.

Tools get the user id from here, never from the model's arguments, so a model cannot ask a tool
for another user's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.llm.base import ChatModel
    from memory import MemoryStore


@dataclass(frozen=True)
class ToolContext:
    user_id: str
    store: MemoryStore
    model: ChatModel | None = None
    recommender: Any | None = None  # tools.recommend.Recommender, when an item catalog is loaded
