"""Agent tools over the user's own memory: search, remember, update a preference, forget one memory."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from memory.errors import NotFoundError
from memory.extraction import Candidate, kind_of, reconcile

from .context import ToolContext
from .registry import tool

FORGET_MIN_SIMILARITY = 0.5  # below this no stored memory is clearly the one meant


class SearchMemoryArgs(BaseModel):
    query: str = Field(min_length=1, description="What to look for in the user's memories.")
    k: int = Field(default=5, ge=1, le=20)


class RememberArgs(BaseModel):
    text: str = Field(min_length=3, max_length=500, description="The fact, in the user's own words.")
    kind: Literal["fact", "preference", "event"] | None = None


class UpdatePreferenceArgs(BaseModel):
    text: str = Field(min_length=3, max_length=500, description="The preference as it is now, e.g. 'I prefer tea'.")


class ForgetMemoryArgs(BaseModel):
    query: str = Field(min_length=3, description="Which memory to forget, described in words.")


@tool("search_memory", "Search what the user told you before; returns the best matching memories.", SearchMemoryArgs)
def search_memory(context: ToolContext, args: SearchMemoryArgs) -> list[dict[str, str]]:
    hits = context.store.search(context.user_id, args.query, k=args.k, mode="hybrid")
    return [
        {"text": hit.memory.text, "kind": hit.memory.kind.value, "date": f"{hit.memory.created_at:%Y-%m-%d}"}
        for hit in hits
    ]


@tool("remember", "Store a fact or preference the user stated, reconciled with what is already known.", RememberArgs)
def remember(context: ToolContext, args: RememberArgs) -> dict[str, str]:
    candidate = Candidate(text=args.text, kind=args.kind or kind_of(context.store.embedder, args.text))
    outcome = reconcile(context.store, context.user_id, candidate, model=context.model)
    return {"action": outcome.action, "memory": outcome.memory.text if outcome.memory else ""}


@tool(
    "update_preference",
    "Record a changed preference; the preference it replaces is kept as history but no longer used.",
    UpdatePreferenceArgs,
)
def update_preference(context: ToolContext, args: UpdatePreferenceArgs) -> dict[str, str]:
    candidate = Candidate(text=args.text, kind="preference")
    outcome = reconcile(context.store, context.user_id, candidate, model=context.model)
    replaced = outcome.replaced.text if outcome.replaced else ""
    return {"action": outcome.action, "memory": outcome.memory.text if outcome.memory else "", "replaced": replaced}


@tool("forget_memory", "Delete the one stored memory that best matches a description.", ForgetMemoryArgs)
def forget_memory(context: ToolContext, args: ForgetMemoryArgs) -> dict[str, str]:
    with context.store.writing(context.user_id):  # the memory found is the one deleted, not a replaced one
        hits = context.store.search(context.user_id, args.query, k=1, mode="dense")
        if not hits or hits[0].score < FORGET_MIN_SIMILARITY:
            raise NotFoundError("query", args.query)
        context.store.delete(context.user_id, hits[0].memory.id)
    return {"forgotten": hits[0].memory.text}
