"""The deterministic planner: routes a message by intent for models that cannot choose tools.

It proposes the same tool calls a tool-calling model would, so both paths share one graph. The
intent itself is read by ``agent.intent``, which the grounded reply uses too.
"""

from __future__ import annotations

from collections.abc import Collection

from agent.intent import Ask, read_turn
from agent.llm.base import ToolCall
from tools.personal_label import classification_request

RECOMMEND_K = 5


def plan(message: str, available: Collection[str]) -> list[ToolCall]:
    """Tool calls for one message (possibly none: plain conversation)."""

    def call(name: str, **arguments: object) -> list[ToolCall]:
        return [ToolCall(id=f"plan-{name}", name=name, arguments=arguments)] if name in available else []

    if item := classification_request(message):  # "which category would I give: ...": the user's own label
        return call("personal_label", query=item)
    turn = read_turn(message)
    if turn.ask is Ask.FORGET:
        return call("forget_memory", query=turn.question)
    if turn.ask is Ask.REMEMBER:
        return call("remember", text=turn.question)
    if turn.ask is Ask.RECOMMEND:
        return call("recommend", query=message.strip(), k=RECOMMEND_K)
    if turn.ask is Ask.RECALL:
        return call("search_memory", query=turn.question, k=8)
    return []
