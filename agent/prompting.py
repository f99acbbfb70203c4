"""The messages the model answers from: system text with the user's data fenced off, then the turn."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from agent.llm.base import Message
from memory import Memory
from prompts import render

FENCE = re.compile(r"</?\s*data\s*>", re.IGNORECASE)


def fenced(text: str) -> str:
    """Data may not close the data block: tag look-alikes inside it are defused."""
    return FENCE.sub(lambda match: match.group(0).replace("<", "‹").replace(">", "›"), text)


def memory_lines(memories: Sequence[Memory]) -> str:
    if not memories:
        return "(nothing yet)"
    return "\n".join(f"- ({m.created_at:%Y-%m-%d}) {fenced(m.text)}" for m in memories)


def tool_lines(tool_log: Sequence[dict[str, Any]]) -> str:
    lines = []
    for entry in tool_log:
        outcome = entry.get("error") or json.dumps(entry.get("result"), ensure_ascii=False, default=str)
        lines.append(f"Tool {entry['name']}: {fenced(str(outcome))[:1500]}")
    return "\n".join(lines) + "\n" if lines else ""


def respond_messages(
    *,
    message: str,
    history: Sequence[dict[str, str]],
    recalled: Sequence[Memory],
    profile: str,
    tool_log: Sequence[dict[str, Any]],
) -> list[Message]:
    system = render(
        "assistant_system",
        profile=fenced(profile) or "(not written yet)",
        memories=memory_lines(recalled),
        tools=tool_lines(tool_log),
    )
    turns = [Message(role=turn["role"], content=turn["content"]) for turn in history]
    return [Message(role="system", content=system), *turns, Message(role="user", content=message)]


def picks_text(tool_log: Sequence[dict[str, Any]], heading: str = "Picks for you:") -> str:
    """The recommend tool's picks with their reasons, as a list under ``heading``."""
    picks = [pick for entry in tool_log if entry["name"] == "recommend" for pick in entry.get("result") or []]
    if not picks:
        return ""
    lines = [f"{n}. {pick['title']}: {pick['reason']}" for n, pick in enumerate(picks, start=1)]
    return "\n".join([heading, *lines])
