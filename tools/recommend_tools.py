"""Agent tools over the item catalog: recommend for the current user, search the catalog, record an interaction.

The user id comes from the ``ToolContext``, never from the model's arguments.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from memory.errors import RapportError

from .context import ToolContext
from .interactions import Interaction
from .registry import tool
from .request_facets import FacetFields, RequestFacets


class RecommendArgs(FacetFields):
    """The request in the user's words, and the facets you read from it (leave out what it does not say)."""

    query: str | None = Field(default=None, description="What the user asks for, in their words, if anything.")
    k: int = Field(default=5, ge=1, le=20)
    include_rated: bool = Field(default=False, description="Allow items the user already rated.")


class SearchCatalogArgs(BaseModel):
    query: str = Field(min_length=1, description="Words describing the item, e.g. a title or a theme.")
    k: int = Field(default=5, ge=1, le=20)


class RecordInteractionArgs(BaseModel):
    item_id: str = Field(min_length=1, description="A catalog id returned by search_catalog or recommend.")
    action: Literal["rated", "liked", "disliked", "viewed"] = "liked"
    rating: float | None = Field(default=None, ge=0, le=5)


def _recommender(context: ToolContext) -> Any:
    if context.recommender is None:
        raise RapportError("no item catalog is loaded: run `rapport catalog load PATH` first")
    return context.recommender


@tool("recommend", "Recommend catalog items for the user, with reasons from their own memories.", RecommendArgs)
def recommend(context: ToolContext, args: RecommendArgs) -> list[dict[str, Any]]:
    given = args.model_fields_set & set(FacetFields.model_fields)
    facets = RequestFacets(**{name: getattr(args, name) for name in given}) if given else None
    picks = _recommender(context).recommend(
        context.user_id, query=args.query, k=args.k, facets=facets, include_rated=args.include_rated
    )
    return [
        {"item_id": r.item.id, "title": r.item.title, "genres": r.item.genres, "reason": r.reason, "score": r.score,
         "facets": r.facets}
        for r in picks
    ]  # fmt: skip


@tool("search_catalog", "Find catalog items by title or description.", SearchCatalogArgs)
def search_catalog(context: ToolContext, args: SearchCatalogArgs) -> list[dict[str, Any]]:
    hits = _recommender(context).catalog.search(args.query, k=args.k)
    return [{"item_id": item.id, "title": item.title, "genres": item.genres, "score": round(s, 4)} for item, s in hits]


@tool("record_interaction", "Remember that the user rated, liked, disliked or watched an item.", RecordInteractionArgs)
def record_interaction(context: ToolContext, args: RecordInteractionArgs) -> dict[str, Any]:
    recommender = _recommender(context)
    interaction = Interaction(item_id=args.item_id, action=args.action, rating=args.rating)
    recommender.record(context.user_id, [interaction])  # counts towards a background refit
    return {"recorded": args.action, "item_id": args.item_id, "title": recommender.catalog.get(args.item_id).title}
