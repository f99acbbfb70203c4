"""The deterministic planner: routes a message by intent for models that cannot choose tools.

It proposes the same tool calls a tool-calling model would, so both paths share one graph.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from agent.llm.base import ToolCall

FORGET = re.compile(r"^\s*(please\s+)?forget\s+(that\s+|about\s+)?(?P<what>.{3,})$", re.IGNORECASE | re.DOTALL)
REMEMBER = re.compile(r"^\s*(please\s+)?(remember|note|keep in mind)\s+(that\s+)?(?P<what>.{3,})$", re.I | re.DOTALL)
RECOMMEND = re.compile(
    r"\b(recommend|suggest|suggestion|what should i (watch|see|read)|something to watch|(any|good) (films?|movies?))\b",
    re.IGNORECASE,
)
RECALL = re.compile(
    r"\b(do you (remember|know|recall)|did i (tell|say|mention)|what did i|what('s| is| are) my|who('s| is) my|"
    r"where do i|where did i|what do i|when did i|which .* do i)\b",
    re.IGNORECASE,
)


def plan(message: str, available: Collection[str]) -> list[ToolCall]:
    """Tool calls for one message (possibly none: plain conversation)."""

    def call(name: str, **arguments: object) -> list[ToolCall]:
        return [ToolCall(id=f"plan-{name}", name=name, arguments=arguments)] if name in available else []

    text = message.strip()
    if match := FORGET.match(text):
        return call("forget_memory", query=match["what"].strip())
    if match := REMEMBER.match(text):
        return call("remember", text=match["what"].strip())
    if RECOMMEND.search(text):
        return call("recommend", query=text, k=5)
    if RECALL.search(text) and text.endswith("?"):
        return call("search_memory", query=text, k=8)
    return []
