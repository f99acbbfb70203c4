"""What a recommendation request asks for, as structured facets.

The same model is the argument schema a tool-calling model fills (InteRecAgent style) and what the
deterministic parser (``tools.request_parser``) produces for the embedded model, so ranking and
reasons never depend on which of the two read the request.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from .request_lexicon import AUDIENCES, MOODS

MoodName = Literal[tuple(MOODS)]  # type: ignore[valid-type]
AudienceName = Literal[tuple(AUDIENCES)]  # type: ignore[valid-type]


class FacetFields(BaseModel):
    """The facets a tool-calling model fills from a request (the ``recommend`` tool's arguments)."""

    genres: list[str] = Field(default_factory=list, description="Genres every pick must have (the catalog's names).")
    any_genres: list[str] = Field(default_factory=list, description="Genres of which a pick must have one.")
    exclude_genres: list[str] = Field(default_factory=list, description="Genres no pick may have.")
    moods: list[MoodName] = Field(default_factory=list, description="Tone wanted, e.g. light, dark, scary, sad.")
    avoid_moods: list[MoodName] = Field(default_factory=list, description="Tone not wanted ('nothing violent').")
    audience: AudienceName | None = Field(default=None, description="Who watches: kids, family, date, friends.")
    avoid_audiences: list[AudienceName] = Field(default_factory=list, description="'not for kids' -> ['kids'].")
    year_min: int | None = Field(default=None, description="Earliest release year, inclusive.")
    year_max: int | None = Field(default=None, description="Latest release year, inclusive.")
    min_minutes: int | None = Field(default=None, ge=1, description="Shortest running time wanted.")
    max_minutes: int | None = Field(default=None, ge=1, description="Longest running time wanted.")
    similar_to: list[str] = Field(default_factory=list, description="Titles the picks should resemble.")
    text: str | None = Field(default=None, description="Anything else wanted, in words; matched on meaning.")


class RequestFacets(FacetFields):
    """Wanted and unwanted genres, mood, audience, era, length, similar titles, and free text for the rest."""

    tags: list[str] = Field(default_factory=list, description="Catalog tags (themes, topics) the request names.")
    avoid_tags: list[str] = Field(default_factory=list, description="Catalog tags not wanted.")
    avoid_text: str | None = Field(default=None, description="Anything else not wanted, in words.")
    liked_genres: list[str] = Field(
        default_factory=list, description="Genres the user said they like; followed when the request names none."
    )
    disliked_genres: list[str] = Field(
        default_factory=list, description="Genres the user said they avoid; left out unless the request asks."
    )
    phrases: dict[str, str] = Field(
        default_factory=dict, description="The request's own words for each facet, e.g. {'mood:light': 'light'}."
    )
    notes: list[str] = Field(default_factory=list, description="What could not be applied, and why.")

    @model_validator(mode="after")
    def _years_in_order(self) -> RequestFacets:
        if self.year_min is not None and self.year_max is not None and self.year_min > self.year_max:
            self.year_min, self.year_max = self.year_max, self.year_min
        if self.min_minutes is not None and self.max_minutes is not None and self.min_minutes > self.max_minutes:
            self.min_minutes, self.max_minutes = self.max_minutes, self.min_minutes
        return self

    def is_empty(self) -> bool:
        """True when nothing but free text (or nothing at all) was asked."""
        return not any(
            (self.genres, self.any_genres, self.exclude_genres, self.moods, self.avoid_moods, self.audience,
             self.avoid_audiences, self.year_min, self.year_max, self.min_minutes, self.max_minutes,
             self.similar_to, self.tags, self.avoid_tags)
        )  # fmt: skip

    def phrase(self, key: str, default: str) -> str:
        return self.phrases.get(key) or default

    def merged(self, given: RequestFacets) -> RequestFacets:
        """These facets with every field ``given`` sets taking its place (a model's reading over the parser's)."""
        update = {name: getattr(given, name) for name in given.model_fields_set if name not in ("phrases", "notes")}
        merged = self.model_copy(update=update, deep=True)
        merged.phrases = {**self.phrases, **given.phrases}
        merged.notes = [*self.notes, *given.notes]
        return merged
