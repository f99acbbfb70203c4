"""Periods in a request: release years ("the 80s", "before 1960", "recent", "old") and running time
("under 2 hours", "something short"), in the catalog's own terms (its newest year, its year quantiles)."""

from __future__ import annotations

import re

from .request_facets import RequestFacets
from .request_lexicon import (
    DECADE_WORDS,
    LONG_WORDS,
    MODERN_WORDS,
    OLD_WORDS,
    OLDER_WORDS,
    RECENT_WORDS,
    SHORT_WORDS,
)
from .request_vocabulary import RECENT_YEARS, CatalogVocabulary
from .request_words import Word, match_at, phrase_set

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "an": 1, "a": 1, "ninety": 90, "half": 0.5}
MAX_BOUNDS = ("under", "less than", "shorter than", "no longer than", "at most", "max", "maximum", "within", "below",
              "not more than", "no more than", "tops")  # fmt: skip
MIN_BOUNDS = ("over", "more than", "longer than", "at least", "minimum", "min")
SHORT_MINUTES, LONG_MINUTES = 100, 140


def read_length(words: list[Word], vocabulary: CatalogVocabulary, facets: RequestFacets) -> None:
    """Running time: "under 2 hours", "less than 90 minutes", "something short", "a long epic"."""
    text_words = [w.raw for w in words]
    for start in range(len(words)):
        if words[start].used:
            continue
        bound = match_at(words, start, phrase_set(MAX_BOUNDS + MIN_BOUNDS), 3)
        if bound:
            minutes, length = _duration(text_words, start + bound)
            if minutes:
                is_max = tuple(w.raw for w in words[start : start + bound]) in phrase_set(MAX_BOUNDS)
                _set_length(facets, words[start : start + bound + length], max_=minutes if is_max else None,
                            min_=None if is_max else minutes)  # fmt: skip
                continue
        short = match_at(words, start, phrase_set(SHORT_WORDS), 3)
        if short:
            _set_length(facets, words[start : start + short], max_=SHORT_MINUTES)
            continue
        long = match_at(words, start, phrase_set(LONG_WORDS), 1)
        after = text_words[start + 1] if start + 1 < len(words) else ""
        if long and after not in ("day", "week", "night", "time", "shift", "flight", "drive", "trip"):
            _set_length(facets, words[start : start + long], min_=LONG_MINUTES)
    if (facets.min_minutes or facets.max_minutes) and vocabulary.runtimes is None:
        facets.notes.append(f"this catalog has no running times, so “{facets.phrases.get('length')}” was not applied")
        facets.min_minutes = facets.max_minutes = None


def _duration(text_words: list[str], start: int) -> tuple[int | None, int]:
    """Minutes written at ``start`` ("90 minutes", "2 hours", "an hour and a half") and how many words."""
    if start >= len(text_words):
        return None, 0
    first = text_words[start]
    amount = float(first) if first.isdigit() else NUMBER_WORDS.get(first)
    if amount is None:
        return None, 0
    rest = text_words[start + 1 : start + 6]
    if rest[:1] and rest[0] in ("hour", "hours", "hr", "hrs", "h"):
        extra = 30 if rest[1:4] == ["and", "a", "half"] else 0
        return int(amount * 60 + extra), 2 + (3 if extra else 0)
    if rest[:1] and rest[0] in ("minutes", "minute", "min", "mins"):
        return int(amount), 2
    return None, 0


def _set_length(facets: RequestFacets, span: list[Word], *, max_: int | None = None, min_: int | None = None) -> None:
    for w in span:
        w.used = True
    if max_:
        facets.max_minutes = max_
    if min_:
        facets.min_minutes = min_
    facets.phrases["length"] = " ".join(w.raw for w in span)


def read_era(words: list[Word], vocabulary: CatalogVocabulary, facets: RequestFacets) -> None:
    """Decades ("the 80s", "early nineties"), years ("before 1960", "after 2010"), "recent", "old", "classic"."""
    ranges: list[tuple[int | None, int | None]] = []  # named periods: "the 60s or 70s" is their union
    relative: list[tuple[int | None, int | None]] = []  # "old", "recent": the tightest one counts
    spans: list[list[Word]] = []
    newest, quantiles = vocabulary.newest_year, vocabulary.year_quantiles
    n = len(words)
    i = 0
    while i < n:
        w = words[i]
        if w.used:
            i += 1
            continue
        decade = _decade(w.raw)
        if decade is not None and w.negative:  # "nothing from the 80s": a hole in the years is not a filter
            w.used = True
            facets.notes.append(f"excluding a decade is not supported; “{w.raw}” was ignored")
            i += 1
            continue
        if decade is not None:
            start, low, high = i, decade, decade + 9
            before = words[i - 1].raw if i > 0 and not words[i - 1].used else ""
            if before in ("early", "mid", "late"):
                low, high = {"early": (decade, decade + 3), "mid": (decade + 3, decade + 6),
                             "late": (decade + 6, decade + 9)}[before]  # fmt: skip
                start = i - 1
            bound = _bound_before(words, start)
            if bound == "max":
                low, high = None, decade - 1
            elif bound == "min":
                low, high = decade + 10, None
            ranges.append((low, high))
            spans.append(words[max(0, start - (1 if bound else 0)) : i + 1])
            i += 1
            continue
        if re.fullmatch(r"(18|19|20)\d\d", w.raw):
            year = int(w.raw)
            following = words[i + 2].raw if i + 2 < n and words[i + 1].raw in ("and", "to", "till", "until") else ""
            nxt = words[i + 1].raw if i + 1 < n else ""
            if re.fullmatch(r"(18|19|20)\d\d", following) or re.fullmatch(r"(18|19|20)\d\d", nxt):
                end = int(following or nxt)
                ranges.append((min(year, end), max(year, end)))
                spans.append(words[max(0, i - 1) : i + (3 if following else 2)])
                i += 3 if following else 2
                continue
            bound = _bound_before(words, i, exact_year=year)
            if bound == "max":
                ranges.append((None, year - 1))
            elif bound == "until":
                ranges.append((None, year))
            elif bound == "min":
                ranges.append((year + 1, None))
            elif bound == "since":
                ranges.append((year, None))
            else:
                ranges.append((year, year))
            spans.append(words[max(0, i - (1 if bound else 0)) : i + 1])
            i += 1
            continue
        if w.raw in ("last", "past") and i + 2 < n and words[i + 2].raw in ("years", "decade", "decades"):
            count = words[i + 1].raw
            amount = int(count) if count.isdigit() else {"few": 5, "couple": 3, "two": 2, "ten": 10}.get(count, 5)
            if newest is not None:
                ranges.append((newest - amount + 1, None))
            spans.append(words[i : i + 3])
            i += 3
            continue
        for phrases, low, high in (
            (RECENT_WORDS, newest - RECENT_YEARS + 1 if newest else None, None),
            (MODERN_WORDS, quantiles.get(50), None),
            (OLD_WORDS, None, quantiles.get(10)),
            (OLDER_WORDS, None, quantiles.get(25)),
        ):
            length = match_at(words, i, phrase_set(phrases), 4)
            if length and (low is not None or high is not None):
                if phrases is OLDER_WORDS and i > 0 and match_at(words, i - 1, phrase_set(MODERN_WORDS), 1):
                    pass  # "a modern classic": modern already counted
                elif words[i].negative:  # "nothing old", "not recent"
                    relative.append(((high + 1 if high else None), (low - 1 if low else None)))
                    spans.append(words[max(words[i].scope_start, 0) : i + length])
                else:
                    relative.append((low, high))
                    spans.append(words[i : i + length])
                for used in words[i : i + length]:
                    used.used = True
                i += length - 1
                break
        i += 1
    if not ranges and not relative:
        return
    for span in spans:
        for w in span:
            w.used = True
    lows = [low for low, _ in ranges if low is not None] if ranges and all(r[0] is not None for r in ranges) else []
    highs = [high for _, high in ranges if high is not None] if ranges and all(r[1] is not None for r in ranges) else []
    year_min, year_max = (min(lows) if lows else None), (max(highs) if highs else None)
    for low, high in relative:
        year_min = low if low is not None and (year_min is None or low > year_min) else year_min
        year_max = high if high is not None and (year_max is None or high < year_max) else year_max
    facets.year_min, facets.year_max = year_min, year_max
    facets.phrases["era"] = " or ".join(" ".join(w.raw for w in span) for span in spans)


def _decade(raw: str) -> int | None:
    match = re.fullmatch(r"(18|19|20)?(\d)0s", raw)
    if match:
        century = match.group(1)
        digit = int(match.group(2))
        return int(century) * 100 + digit * 10 if century else (1900 if digit >= 2 else 2000) + digit * 10
    return DECADE_WORDS.get(raw)


def _bound_before(words: list[Word], position: int, exact_year: int | None = None) -> str | None:
    """"before"/"after"/"since"/"until" just before ``position`` (skipping "the"); marks it used."""
    back = position - 1
    if back >= 0 and words[back].raw == "the":
        back -= 1
    if back < 0 or words[back].used:
        return None
    word = words[back].raw
    bound = {"before": "max", "pre": "max", "prior": "max", "earlier": "max", "older": "max", "after": "min",
             "post": "min", "later": "min", "newer": "min", "since": "since", "until": "until", "till": "until"
             }.get(word)  # fmt: skip
    if word == "than" and back > 0:
        bound = {"earlier": "max", "older": "max", "later": "min", "newer": "min"}.get(words[back - 1].raw)
        if bound:
            words[back - 1].used = True
    if word == "to" and back > 0 and words[back - 1].raw == "prior":
        bound = "max"
        words[back - 1].used = True
    if bound:
        words[back].used = True
        if exact_year is None and bound in ("since", "until"):
            bound = "min" if bound == "since" else "max"
    return bound
