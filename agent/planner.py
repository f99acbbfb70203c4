"""The deterministic planner: routes a turn by what it asks, for models that cannot choose tools.

It proposes the same tool calls a tool-calling model would, so both paths share one graph. What
the turn asks comes from its ``Reading`` (``memory.reading``), which the grounded reply uses too.
"""

from __future__ import annotations

from collections.abc import Collection

from agent.llm.base import ToolCall
from memory.reading import Act, Reading
from tools.personal_label import classification_request

RECOMMEND_K = 5


def plan(reading: Reading, available: Collection[str]) -> list[ToolCall]:
    """Tool calls for one turn (possibly none: plain conversation)."""

    def call(name: str, **arguments: object) -> list[ToolCall]:
        return [ToolCall(id=f"plan-{name}", name=name, arguments=arguments)] if name in available else []

    if item := classification_request(reading.message):  # "which category would I give: ...": the user's own label
        return call("personal_label", query=item)
    if reading.ask is Act.FORGET:
        return call("forget_memory", query=reading.question)
    if reading.ask is Act.RECOMMEND:
        return call("recommend", query=reading.message, k=RECOMMEND_K)
    if reading.ask is Act.RECALL:
        return call("search_memory", query=reading.question, k=8)
    return []
