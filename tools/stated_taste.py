"""What the user told us they like and avoid, read into the catalog's genres.

"I love science fiction movies" or "I mostly watch documentaries" is a taste a bare request ("a movie
for tonight?") should follow; "I hate horror films" one it must respect. Each of the user's own
statements is read with the request parser (``tools.request_parser``), so a memory and a request
mean the same by "sci-fi" or "nothing scary". Statements about someone else ("my son loves
cartoons") are left out: they are that person's taste.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from memory import Memory
from memory.claims import OTHER, SELF, subject_of

from .request_facets import RequestFacets
from .request_parser import parse_request
from .request_vocabulary import CatalogVocabulary

# The parser reads "no", "not a fan of", "can't stand" as negations; these it reads as plain mentions.
AVERSE = re.compile(r"\b(bor(?:e|es|ed|ing)|turns? me off|not for me|put(?:s)? me off)\b", re.IGNORECASE)
PAST = re.compile(r"\b(used to|any ?more|no longer|not any longer)\b", re.IGNORECASE)
FIRST_PERSON = re.compile(r"\b(i|i'm|me|my|we|us|our)\b", re.IGNORECASE)


@dataclass
class StatedTaste:
    """Genres the user said they like or avoid, each with the memory that says so."""

    liked: dict[str, Memory] = field(default_factory=dict)
    disliked: dict[str, Memory] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.liked or self.disliked)

    def sources(self) -> set[str]:
        """Ids of the memories this taste was read from."""
        return {m.id for m in [*self.liked.values(), *self.disliked.values()]}

    def memory_for(self, genres: Sequence[str]) -> Memory | None:
        """The statement behind the first liked genre among ``genres``."""
        return next((self.liked[g] for g in genres if g in self.liked), None)

    def applied_to(self, facets: RequestFacets) -> RequestFacets:
        """``facets`` with this taste added; the request's own words decide where they disagree."""
        updated = facets.model_copy(deep=True)
        updated.liked_genres = [g for g in self.liked if g not in facets.exclude_genres]
        asked = set(facets.genres) | set(facets.any_genres)
        updated.disliked_genres = [g for g in self.disliked if g not in asked]
        return updated


Reading = tuple[tuple[str, ...], tuple[str, ...]]  # (liked, disliked) genres of one statement


def stated_taste(
    memories: Sequence[Memory], vocabulary: CatalogVocabulary, cache: dict[str, Reading] | None = None
) -> StatedTaste:
    """The genres the user's own statements like or avoid; a later statement overrides an earlier one.

    ``cache`` keeps each statement's reading for this vocabulary: a long-time user has hundreds.
    """
    taste = StatedTaste()
    known = cache if cache is not None else {}
    for memory in sorted(memories, key=lambda m: m.created_at):
        if memory.text not in known:
            known[memory.text] = _read(memory.text, vocabulary) if _about_the_user(memory.text) else ((), ())
        liked, disliked = known[memory.text]
        for genre in liked:
            taste.disliked.pop(genre, None)
            taste.liked[genre] = memory
        for genre in disliked:
            taste.liked.pop(genre, None)
            taste.disliked[genre] = memory
    return taste


def _read(text: str, vocabulary: CatalogVocabulary) -> Reading:
    read = parse_request(text, vocabulary)
    named = [*read.genres, *read.any_genres]
    toned = [g for mood in read.moods for g in vocabulary.moods[mood].want]  # "scary movies": horror, thriller
    if PAST.search(text):
        named, toned = [], []  # "I used to love westerns": not a taste now
    # a tone counts only when the statement is all one way: "I hate horror, it gives me nightmares"
    # likes nothing scary, and "I love horror but not gore" still likes horror (and thrillers)
    averse_tone = [g for m in read.avoid_moods for g in vocabulary.moods[m].negated_avoid]
    disliked = list(dict.fromkeys([*read.exclude_genres, *([] if named else averse_tone)]))
    liked = list(dict.fromkeys([*named, *([] if disliked else toned)]))
    if AVERSE.search(text):
        liked, disliked = [], list(dict.fromkeys([*disliked, *liked]))
    return tuple(liked), tuple(disliked)


def _about_the_user(text: str) -> bool:
    subject = subject_of(text, SELF)
    if subject == SELF:
        return True
    return subject == OTHER and bool(FIRST_PERSON.search(text)) and not re.match(r"\s*(he|she|they)\b", text, re.I)
