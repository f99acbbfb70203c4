"""Listwise rerank by a chat model, used only when the model is capable (``supports_tools``).

The model sees candidates as short numbers, never item ids (ids an LLM returns are not trusted);
numbers it invents or repeats are dropped, and candidates it leaves out keep their original order
after the ones it ranked. Any failure to answer keeps the original order.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

import prompts
from agent.llm.base import ChatModel, Message
from agent.llm.errors import LLMOutputError

from .items import Item


class RerankOrder(BaseModel):
    order: list[int]


def llm_rerank(
    model: ChatModel | None, items: Sequence[Item], *, profile: Sequence[str] = (), query: str | None = None
) -> list[int]:
    """Indices into ``items``, best first: the model's order when it can rank, else ``range(len(items))``."""
    original = list(range(len(items)))
    if model is None or not getattr(model, "supports_tools", False) or len(items) < 2:
        return original
    lines = [f"{n}. {item.text}" for n, item in enumerate(items, start=1)]
    prompt = prompts.render(
        "recsys_rerank",
        profile="\n".join(f"- {line}" for line in profile) or "- (nothing known yet)",
        query=query or "(nothing specific)",
        candidates="\n".join(lines),
    )
    try:
        reply = model.complete_json([Message(role="user", content=prompt)], RerankOrder, max_tokens=200)
    except LLMOutputError:
        return original
    ranked: list[int] = []
    for number in reply.order:
        if 1 <= number <= len(items) and number - 1 not in ranked:
            ranked.append(number - 1)
    return ranked + [i for i in original if i not in ranked]
