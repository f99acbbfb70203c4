"""The HTTP routes the page needs beyond chat: users, threads, memory edits and versions, profile
rebuilds, recommendations and like/dislike feedback.

Like the rest of the API they only translate HTTP to ``Assistant`` calls; every mistake a caller can
make is answered in OpenAI's error shape (``errors.py``), and every route is scoped by the user id in
its path, so one user's page can only ever ask for that user's data.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from .schemas import memory_json

MAX_RECOMMENDATIONS = 50


class UserDataAPI(Protocol):
    """The part of ``agent.Assistant`` these routes use."""

    def users(self) -> list[str]: ...
    def threads(self, user_id: str) -> list[Any]: ...
    def turns(self, user_id: str, *, thread_id: str | None = None) -> list[Any]: ...
    def memory_lineage(self, user_id: str, memory_id: str) -> list[Any]: ...
    def edit_memory(self, user_id: str, memory_id: str, text: str) -> Any: ...
    def profile(self, user_id: str, *, task: str | None = None, refresh: bool = False) -> Any: ...
    def recommend(self, user_id: str, *, query: str | None = None, k: int = 10, filters: Any = None) -> list[Any]: ...
    def record_interaction(self, user_id: str, item_id: str, action: str, *, rating: float | None = None) -> Any: ...


class MemoryEditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str


class RecommendIn(BaseModel):
    """A request for recommendations; every field is optional (no query means "for me, now")."""

    model_config = ConfigDict(extra="forbid")

    query: str | None = Field(default=None, max_length=2000)
    k: int = Field(default=5, ge=1, le=MAX_RECOMMENDATIONS)
    genres: list[str] | None = None
    exclude_genres: list[str] | None = None
    year_min: int | None = None
    year_max: int | None = None
    include_seen: bool = Field(default=False, description="Allow items the user already rated or watched.")

    def filters(self) -> dict[str, Any]:
        chosen = self.model_dump(include={"genres", "exclude_genres", "year_min", "year_max"}, exclude_none=True)
        return chosen | ({"include_seen": True} if self.include_seen else {})


class InteractionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: str = Field(min_length=1, max_length=256)
    action: Literal["liked", "disliked", "viewed", "rated"]
    rating: float | None = Field(default=None, ge=0, le=5)


def memory_view(assistant: Any, user_id: str, memory: Any, versions: list[Any] | None = None) -> dict[str, Any]:
    """A memory as JSON plus, when it changed over time, its versions oldest first (``lineage``)."""
    body = memory_json(memory)
    versions = versions if versions is not None else assistant.memory_lineage(user_id, memory.id)
    if len(versions) > 1:
        body["lineage"] = [
            {"id": v.id, "text": v.text, "status": v.status.value, "updated_at": v.updated_at.isoformat()}
            for v in versions
        ]
    return body


def user_data_router(assistant: UserDataAPI) -> APIRouter:
    """Routes under ``/v1/users`` for the page (and any other client)."""
    router = APIRouter(prefix="/v1/users")

    @router.get("")
    def list_users() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": user, "object": "user"} for user in assistant.users()]}

    @router.get("/{user_id}/threads")
    def list_threads(user_id: str) -> dict[str, Any]:
        threads = assistant.threads(user_id)
        return {"object": "list", "data": [{**t.model_dump(mode="json"), "object": "thread"} for t in threads]}

    @router.get("/{user_id}/threads/{thread_id}")
    def get_thread(user_id: str, thread_id: str) -> dict[str, Any]:
        turns = assistant.turns(user_id, thread_id=thread_id)
        return {"id": thread_id, "object": "thread", "turns": [turn.model_dump(mode="json") for turn in turns]}

    @router.get("/{user_id}/memories/{memory_id}")
    def get_memory(user_id: str, memory_id: str) -> dict[str, Any]:
        versions = assistant.memory_lineage(user_id, memory_id)
        memory = next(v for v in versions if v.id == memory_id)
        return memory_view(assistant, user_id, memory, versions)

    @router.patch("/{user_id}/memories/{memory_id}")
    def edit_memory(user_id: str, memory_id: str, body: MemoryEditIn) -> dict[str, Any]:
        return memory_view(assistant, user_id, assistant.edit_memory(user_id, memory_id, body.text))

    @router.post("/{user_id}/profile/rebuild")
    def rebuild_profile(user_id: str) -> dict[str, Any]:
        return assistant.profile(user_id, refresh=True).model_dump(mode="json")

    @router.post("/{user_id}/recommendations")
    def recommend(user_id: str, body: RecommendIn) -> dict[str, Any]:
        picks = assistant.recommend(user_id, query=body.query, k=body.k, filters=body.filters() or None)
        return {"object": "list", "data": [pick.model_dump(mode="json") for pick in picks]}

    @router.post("/{user_id}/interactions", status_code=201)
    def record_interaction(user_id: str, body: InteractionIn) -> dict[str, Any]:
        done = assistant.record_interaction(user_id, body.item_id, body.action, rating=body.rating)
        return {"object": "interaction", "user_id": user_id, **done.model_dump(mode="json")}

    return router
