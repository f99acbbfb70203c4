"""The words of a request, as the parser sees them: normalized, with their clause, case and what claimed them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .request_lexicon import FILLER
from .request_vocabulary import normalize, variants

CLAUSES = re.compile(r"[,;.!?\n()]+")


@dataclass
class Word:
    raw: str
    clause: int
    capital: bool = False  # written with a capital letter (titles usually are)
    used: bool = False
    free: bool = False  # a matched topic that also stays in the free text
    negative: bool = False
    scope_start: int = -1  # where the negation covering this word began


def words_of(text: str) -> list[Word]:
    """The request's words, clause by clause ("-free" becomes a one-word negation: "gore-free")."""
    text = re.sub(r"\b(\w+)-free\b", r"non \1", text, flags=re.IGNORECASE)
    found = []
    for number, clause in enumerate(CLAUSES.split(text)):
        folded = unicodedata.normalize("NFKD", clause).encode("ascii", "ignore").decode("ascii").replace("'", "")
        for token in re.sub(r"[^A-Za-z0-9]+", " ", folded).split():
            raw = token.casefold()
            found.append(Word(raw, number, capital=token[0].isupper()))
    return found


def content(raw: str) -> bool:
    return len(raw) >= 2 and raw not in FILLER and not raw.isdigit()


def span_at(words: list[Word], start: int, length: int) -> list[Word] | None:
    span = words[start : start + length]
    if len(span) < length or any(w.used or w.clause != span[0].clause for w in span):
        return None
    return span


def match_at(words: list[Word], start: int, phrases: frozenset[tuple[str, ...]], longest: int) -> int:
    """Length of the longest phrase of ``phrases`` starting at ``start`` (0 when none)."""
    for length in range(min(longest, len(words) - start), 0, -1):
        span = span_at(words, start, length)
        if span and not phrases.isdisjoint(variants(tuple(w.raw for w in span))):
            return length
    return 0


@lru_cache(maxsize=64)
def phrase_set(phrases: tuple[str, ...]) -> frozenset[tuple[str, ...]]:
    return frozenset(form for p in phrases for form in variants(tuple(normalize(p).split())))
