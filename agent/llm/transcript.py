"""Turns chat messages into a completion prompt for a base (not instruction-tuned) model.

A base model only continues text, so a conversation is written as a patterned transcript with
few-shot examples (``prompts/chat_transcript.txt``) ending in ``Assistant:``; stop sequences end the
reply where the model would start inventing the next turn.
"""

from __future__ import annotations

from collections.abc import Sequence

import prompts

from .base import Message

ROLE_LABELS: dict[str, str] = {"user": "User", "assistant": "Assistant", "tool": "Tool"}
TURN_STOPS: tuple[str, ...] = ("\nUser:", "\nAssistant:", "\nTool:", "\nSystem:", "\n###")


def render_turn(message: Message) -> str:
    """One transcript line (or block) for a non-system message."""
    return f"{ROLE_LABELS[message.role]}: {message.content.strip()}"


def split_system(messages: Sequence[Message], *, default: str | None = None) -> tuple[str, list[Message]]:
    """System text (joined; else ``default``, else ``prompts/chat_system.txt``) and the other turns."""
    system = "\n".join(m.content.strip() for m in messages if m.role == "system" and m.content.strip())
    turns = [m for m in messages if m.role != "system"]
    if not system:
        system = prompts.load("chat_system").strip() if default is None else default
    return system, turns


def build_chat_prompt(messages: Sequence[Message], *, template: str = "chat_transcript") -> str:
    """The full completion prompt; it ends with ``Assistant:`` so the model writes the next reply.

    Trailing whitespace is dropped: the tokenizer's next token carries its own leading space.
    """
    system, turns = split_system(messages)
    transcript = "\n".join(render_turn(m) for m in turns)
    text = prompts.render(template, system=system, transcript=transcript).rstrip()
    if not transcript:  # no turns yet: don't leave a blank line before the cue
        text = text.replace("\n\nAssistant:", "\nAssistant:")
    return text


def stop_sequences(extra: Sequence[str] | None = None) -> list[str]:
    """Turn-boundary stops plus the caller's own, without duplicates, order kept."""
    seen: dict[str, None] = dict.fromkeys(TURN_STOPS)
    for item in extra or ():
        if item:
            seen.setdefault(item, None)
    return list(seen)


def clean_reply(text: str) -> str:
    """The reply as a user should see it: no leading space from the tokenizer, no trailing blanks."""
    return text.strip()
