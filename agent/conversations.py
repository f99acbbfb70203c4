"""Read-only views of a user's conversations: which threads exist, and each thread turn by turn.

Why its own module: the page lists threads and, when one is reopened, shows every past reply with
the memories it recalled and the tools it called. All of that is already in the LangGraph
checkpoints (the state after each finished turn), so nothing extra is stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from agent.threads import thread_key, thread_names
from memory import Memory
from memory.records import check_identifier, check_user_id

TITLE_CHARS = 60
MAX_THREADS = 200


class ThreadSummary(BaseModel):
    """One conversation of a user, for a list: its name, its first message as a title, its size."""

    id: str
    title: str
    turns: int
    updated_at: datetime | None = None


class Turn(BaseModel):
    """One finished exchange: the message, the reply, and what the reply was built from."""

    message: str
    reply: str
    recalled: list[Memory] = Field(default_factory=list)
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
    at: datetime | None = None


def _config(user_id: str, thread_id: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread_key(user_id, thread_id)}}


def _title(history: list[dict[str, str]]) -> str:
    first = next((turn["content"] for turn in history if turn.get("role") == "user"), "")
    first = " ".join(first.split())
    return first if len(first) <= TITLE_CHARS else first[: TITLE_CHARS - 1].rstrip() + "…"


def list_threads(graph: Any, saver: Any, user_id: str) -> list[ThreadSummary]:
    """The user's threads, most recently used first (at most ``MAX_THREADS``)."""
    user_id = check_user_id(user_id)
    summaries = []
    for name in thread_names(saver, user_id):
        state = graph.get_state(_config(user_id, name))
        history = list(state.values.get("history", []))
        if not history:
            continue
        at = datetime.fromisoformat(state.created_at) if state.created_at else None
        summaries.append(ThreadSummary(id=name, title=_title(history), turns=len(history) // 2, updated_at=at))
    summaries.sort(key=lambda s: (s.updated_at is not None, s.updated_at), reverse=True)
    return summaries[:MAX_THREADS]


def thread_turns(graph: Any, user_id: str, thread_id: str) -> list[Turn]:
    """Every finished turn of one thread, oldest first; an unknown thread has none."""
    config = _config(check_user_id(user_id), check_identifier(thread_id, "thread_id"))
    turns = []
    for snapshot in graph.get_state_history(config):  # newest checkpoint first
        values = snapshot.values or {}
        if snapshot.next or not values.get("reply") or values.get("user_id") != user_id:
            continue  # a step inside a turn, the input of one, or (never expected) someone else's state
        turns.append(
            Turn(
                message=values.get("message", ""),
                reply=values["reply"],
                recalled=[Memory.model_validate(m) for m in values.get("recalled", [])],
                tool_calls=list(values.get("tool_log", [])),
                timings={k: float(v) for k, v in values.get("timings", {}).items()},
                at=datetime.fromisoformat(snapshot.created_at) if snapshot.created_at else None,
            )
        )
    turns.reverse()
    return turns
