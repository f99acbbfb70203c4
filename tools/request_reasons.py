"""How a pick fits each facet of a request, said in the request's own words ("light: comedy and animation",
"nothing too violent: no action, war or crime", "like Toy Story: people who liked it liked this too")."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .request_facets import RequestFacets
from .request_vocabulary import CatalogVocabulary, normalize

if TYPE_CHECKING:
    from .catalog import CatalogIndex


def describe_match(
    label: str, want: Sequence[str], tags: frozenset[str] | Sequence[str], index: CatalogIndex,
    genre_sets: list[frozenset[str]],
) -> Callable[[int], str | None]:  # fmt: skip
    """"light: comedy and animation" or "mind-bending: tagged “twist ending”"."""
    tag_set = frozenset(tags)

    def describe(position: int) -> str | None:
        genres = [g.casefold() for g in want if g in genre_sets[position]]
        item_tags = [t for t in index.items[position].tags if t in tag_set][:2]
        parts = []
        if genres:
            parts.append(join_words(genres, "and"))
        if item_tags:
            parts.append("tagged " + " and ".join(f"“{t}”" for t in item_tags))
        return f"{label}: {', '.join(parts)}" if parts else None

    return describe


def said_as_cue(said: str, cues: Sequence[str]) -> str:
    """The request's words as the lexicon writes them ("mind bending" -> "mind-bending", "feel good" -> "feel-good")."""
    for cue in cues:
        if normalize(cue) == said and cue != said:
            return cue
    return said


def describe_tag(
    label: str, tag: str, vocabulary: CatalogVocabulary, genre_sets: list[frozenset[str]]
) -> Callable[[int], str | None]:
    members = set(vocabulary.tag_items.get(tag, np.empty(0, int)).tolist())
    signalled = vocabulary.tag_genres.get(tag, ())[:1]

    def describe(position: int) -> str | None:
        if position in members:
            return f"{label}: tagged “{tag}”"
        shared = [g.casefold() for g in signalled if g in genre_sets[position]]
        return f"{label}: {join_words(shared, 'and')}, like most films tagged “{tag}”" if shared else None

    return describe


def avoid_label(facets: RequestFacets, prefix: str, genres: list[str]) -> str:
    said = [facets.phrases[key] for key in facets.phrases if key.startswith(prefix)]
    names = join_words([g.casefold() for g in genres], "or")
    if said and all(any(g.casefold() in s or g.casefold().rstrip("s") in s for s in said) for g in genres):
        return "; ".join(dict.fromkeys(said))
    return f"{'; '.join(dict.fromkeys(said))}: no {names}" if said else f"no {names}"


def era_label(facets: RequestFacets) -> str:
    if facets.year_min is not None and facets.year_max is not None:
        return f"{facets.year_min}-{facets.year_max}"
    return f"from {facets.year_min}" if facets.year_min is not None else f"until {facets.year_max}"


def short_title(title: str) -> str:
    """"Matrix, The (1999)" -> "The Matrix"."""
    text = re.sub(r"\s*\(\d{4}(?:[-–]\d{0,4})?\)\s*$", "", title)
    text = re.sub(r"\s*\([^()]*\)\s*$", "", text) or text
    moved = re.match(r"^(.*),\s*(The|A|An|Le|La|Les|L'|Il|El|Der|Die|Das)$", text)
    return f"{moved.group(2)} {moved.group(1)}" if moved else text


def join_words(words: Sequence[str], last: str) -> str:
    words = list(dict.fromkeys(words))
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"
