"""The deterministic request parser: a request in words becomes ``RequestFacets`` for the embedded model.

Steps, in order, over the request's words: titles it names after a cue ("like Toy Story"), running
time, the scope of each negation ("nothing too violent", "no horror, but ..."), era, then the
longest phrases of the catalog's vocabulary (audience > genre > mood > tag). What is left, minus
words that only ask for a recommendation, is free text matched on meaning.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .request_facets import RequestFacets
from .request_lexicon import (
    AUDIENCES,
    DECADE_WORDS,
    FILLER,
    LONG_WORDS,
    MODERN_WORDS,
    MOODS,
    NEGATION_CUES,
    NOT_A_TITLE_START,
    OLD_WORDS,
    OLDER_WORDS,
    RECENT_WORDS,
    SCOPE_BREAKS,
    SHORT_WORDS,
    SIMILAR_CUES,
    word_set,
)
from .request_vocabulary import RECENT_YEARS, CatalogVocabulary, normalize, variants

CLAUSES = re.compile(r"[,;.!?\n()]+")
MAX_PHRASE = 6
MAX_TITLE = 12
POSITIVE_STARTS = word_set("something some a an maybe preferably ideally just i we it with please")
ONLY_CUES = (("nothing", "but"), ("only",))
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "an": 1, "a": 1, "ninety": 90, "half": 0.5}
MAX_BOUNDS = ("under", "less than", "shorter than", "no longer than", "at most", "max", "maximum", "within", "below",
              "not more than", "no more than", "tops")  # fmt: skip
MIN_BOUNDS = ("over", "more than", "longer than", "at least", "minimum", "min")
SHORT_MINUTES, LONG_MINUTES = 100, 140
PRIORITY = {"audience": 0, "genre": 1, "mood": 2, "tag": 3}


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
    text = re.sub(r"\b(\w+)-free\b", r"non \1", text, flags=re.IGNORECASE)  # "gore-free": that word only
    found = []
    for number, clause in enumerate(CLAUSES.split(text)):
        folded = unicodedata.normalize("NFKD", clause).encode("ascii", "ignore").decode("ascii").replace("'", "")
        for token in re.sub(r"[^A-Za-z0-9]+", " ", folded).split():
            raw = token.casefold()
            found.append(Word(raw, number, capital=token[0].isupper()))
    return found


def parse_request(text: str, vocabulary: CatalogVocabulary) -> RequestFacets:
    """The facets of ``text`` in this catalog's terms."""
    words = words_of(text)
    facets = RequestFacets()
    _similar(words, vocabulary, facets)
    _length(words, vocabulary, facets)
    _negation(words)
    _phrases(words, vocabulary, facets, kinds=("audience",))  # "my 7 year old" is not an era
    _era(words, vocabulary, facets)
    _phrases(words, vocabulary, facets)
    free = [w.raw for w in words if not w.negative and (w.free or (not w.used and _content(w.raw)))]
    avoid = [w.raw for w in words if w.negative and (w.free or (not w.used and _content(w.raw)))]
    facets.text = " ".join(free) or None
    facets.avoid_text = " ".join(avoid) or None
    _settle(facets, vocabulary)
    return facets


def _content(raw: str) -> bool:
    return len(raw) >= 2 and raw not in FILLER and not raw.isdigit()


def _span(words: list[Word], start: int, length: int) -> list[Word] | None:
    span = words[start : start + length]
    if len(span) < length or any(w.used or w.clause != span[0].clause for w in span):
        return None
    return span


def _match(words: list[Word], start: int, phrases: frozenset[tuple[str, ...]], longest: int) -> int:
    """Length of the longest phrase of ``phrases`` starting at ``start`` (0 when none)."""
    for length in range(min(longest, len(words) - start), 0, -1):
        span = _span(words, start, length)
        if span and not phrases.isdisjoint(variants(tuple(w.raw for w in span))):
            return length
    return 0


@lru_cache(maxsize=64)
def _phrase_set(phrases: tuple[str, ...]) -> frozenset[tuple[str, ...]]:
    return frozenset(form for p in phrases for form in variants(tuple(normalize(p).split())))


def _similar(words: list[Word], vocabulary: CatalogVocabulary, facets: RequestFacets) -> None:
    """"like Toy Story", "similar to The Matrix", "I loved Pulp Fiction": titles the catalog has."""
    cues = _phrase_set(SIMILAR_CUES)
    start = 0
    while start < len(words):
        cue = _match(words, start, cues, 5)
        if not cue:
            start += 1
            continue
        begin = start + cue
        found = _title_at(words, begin, vocabulary)
        if found is None:
            start += 1
            continue
        length, title = found
        for w in words[start : begin + length]:
            w.used = True
        if title not in facets.similar_to:
            facets.similar_to.append(title)
            facets.phrases[f"similar:{title}"] = " ".join(w.raw for w in words[start : begin + length])
        start = begin + length


def _title_at(words: list[Word], begin: int, vocabulary: CatalogVocabulary) -> tuple[int, str] | None:
    """The catalog title written at ``begin``: the longest exact title, else the most popular title that
    starts with 2+ of the words (capitalized, or running to the end of the clause)."""
    if begin >= len(words) or words[begin].raw in NOT_A_TITLE_START:
        return None
    longest = 0
    for length in range(1, MAX_TITLE + 1):
        if _span(words, begin, length) is None:
            break
        longest = length
    for length in range(longest, 0, -1):
        span = words[begin : begin + length]
        key = " ".join(w.raw for w in span)
        if key in vocabulary.titles and (span[0].capital or any(_content(w.raw) for w in span)):
            return length, vocabulary.title_of[vocabulary.titles[key][0]]
    for length in range(longest, 1, -1):
        span = words[begin : begin + length]
        ends_clause = begin + length == longest + begin or words[begin + length].raw in SCOPE_BREAKS + ("and",)
        if not (span[0].capital or ends_clause):
            continue
        key = " ".join(w.raw for w in span) + " "
        matches = [positions[0] for title, positions in vocabulary.titles.items() if title.startswith(key)]
        if matches:
            return length, vocabulary.title_of[max(matches, key=lambda p: vocabulary.popularity[p])]
    return None


def _length(words: list[Word], vocabulary: CatalogVocabulary, facets: RequestFacets) -> None:
    """Running time: "under 2 hours", "less than 90 minutes", "something short", "a long epic"."""
    text_words = [w.raw for w in words]
    for start in range(len(words)):
        if words[start].used:
            continue
        bound = _match(words, start, _phrase_set(MAX_BOUNDS + MIN_BOUNDS), 3)
        if bound:
            minutes, length = _duration(text_words, start + bound)
            if minutes:
                is_max = tuple(w.raw for w in words[start : start + bound]) in _phrase_set(MAX_BOUNDS)
                _set_length(facets, words[start : start + bound + length], max_=minutes if is_max else None,
                            min_=None if is_max else minutes)  # fmt: skip
                continue
        short = _match(words, start, _phrase_set(SHORT_WORDS), 3)
        if short:
            _set_length(facets, words[start : start + short], max_=SHORT_MINUTES)
            continue
        long = _match(words, start, _phrase_set(LONG_WORDS), 1)
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


def _negation(words: list[Word]) -> None:
    """Mark the words each negation covers: from its cue to the clause end, a "but", or "and" + a new ask."""
    cues, breaks = _phrase_set(NEGATION_CUES + ("rather than", "instead of")), _phrase_set(SCOPE_BREAKS)
    only = _phrase_set(tuple(" ".join(c) for c in ONLY_CUES))
    start = 0
    while start < len(words):
        if words[start].used:
            start += 1
            continue
        if length := _match(words, start, only, 2):
            for w in words[start : start + length]:
                w.used = True
            start += length
            continue
        if words[start].raw == "non" and start + 1 < len(words):  # "non-violent"
            words[start].used = True
            words[start + 1].negative, words[start + 1].scope_start = True, start
            start += 2
            continue
        length = _match(words, start, cues, 3)
        if not length:
            start += 1
            continue
        for w in words[start : start + length]:
            w.used = True
        scope = start + length
        while scope < len(words) and words[scope].clause == words[start].clause:
            if _match(words, scope, breaks, 1) and not _match(words, scope, cues, 3):
                break
            if words[scope].raw == "and" and scope + 1 < len(words) and words[scope + 1].raw in POSITIVE_STARTS:
                break
            words[scope].negative, words[scope].scope_start = True, start
            scope += 1
        start = scope


def _era(words: list[Word], vocabulary: CatalogVocabulary, facets: RequestFacets) -> None:
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
            length = _match(words, i, _phrase_set(phrases), 4)
            if length and (low is not None or high is not None):
                if phrases is OLDER_WORDS and i > 0 and _match(words, i - 1, _phrase_set(MODERN_WORDS), 1):
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


def _phrases(
    words: list[Word], vocabulary: CatalogVocabulary, facets: RequestFacets, kinds: tuple[str, ...] = tuple(PRIORITY)
) -> None:
    """Audience, genre, mood and tag phrases, longest first; negated ones become things to avoid."""
    table = _table(vocabulary)
    previous_genre_end = -10
    previous_genres: list[str] = []
    start = 0
    while start < len(words):
        found, tag = _longest(words, start, table, kinds, tags=False), _longest(words, start, table, kinds, tags=True)
        if tag is not None and found is not None and len(tag[0]) <= len(found[0]):
            tag = None  # the tag "crime" says no more than the genre Crime
        if tag is not None:  # a catalog tag is a topic and stays free text; "dark comedy" also names a mood and a genre
            span, (_, value) = tag
            target = facets.avoid_tags if span[0].negative else facets.tags
            if value not in target:
                target.append(value)
                facets.phrases[("avoid_tag:" if span[0].negative else "tag:") + value] = " ".join(w.raw for w in span)
            for w in span:
                w.free = True
        if found is None:
            start += 1
            continue
        span, (kind, value) = found
        for w in span:
            w.used = True
        negative = span[0].negative
        said = " ".join(w.raw for w in words[span[0].scope_start if negative else start : start + len(span)])
        if kind == "genre":
            genres = list(value)
            between = [w.raw for w in words[previous_genre_end:start]] if previous_genre_end >= 0 else ["x"]
            alternative = "or" in between and all(b in ("or", "either", "a", "an", "the", "maybe") for b in between)
            if not negative and previous_genres and alternative:
                facets.genres = [g for g in facets.genres if g not in previous_genres]
                facets.any_genres = list(dict.fromkeys(facets.any_genres + previous_genres + genres))
            elif negative:
                facets.exclude_genres = list(dict.fromkeys(facets.exclude_genres + genres))
            else:
                facets.genres = list(dict.fromkeys(facets.genres + genres))
            key = ("avoid_genre:" if negative else "genre:") + "|".join(genres)
            facets.phrases.setdefault(key, said)
            previous_genre_end, previous_genres = start + len(span), genres
        elif kind == "mood":
            target = facets.avoid_moods if negative else facets.moods
            if value not in target:
                target.append(value)
                facets.phrases[("avoid_mood:" if negative else "mood:") + value] = said
        elif negative:
            if value not in facets.avoid_audiences:
                facets.avoid_audiences.append(value)
                facets.phrases[f"avoid_audience:{value}"] = said
        elif facets.audience is None:
            facets.audience = value
            facets.phrases[f"audience:{value}"] = said
        start += len(span)


def _longest(
    words: list[Word], start: int, table: dict[tuple[str, ...], list[tuple[str, Any]]], kinds: tuple[str, ...],
    *, tags: bool,
) -> tuple[list[Word], tuple[str, Any]] | None:  # fmt: skip
    """The longest phrase at ``start`` naming a tag (``tags``) or else an audience, genre or mood."""
    wanted = ("tag",) if tags else tuple(k for k in kinds if k != "tag")
    if not set(wanted) & set(kinds):
        return None
    for length in range(min(MAX_PHRASE, len(words) - start), 0, -1):
        span = words[start : start + length]
        if len(span) < length or any(w.clause != span[0].clause for w in span):
            continue
        if any(w.used for w in span) or (tags and any(w.free for w in span)):
            continue
        entries = [e for form in variants(tuple(w.raw for w in span)) for e in table.get(form, ()) if e[0] in wanted]
        if entries and (not tags or any(_content(w.raw) for w in span)):
            return span, min(entries, key=lambda e: PRIORITY[e[0]])
    return None


def _table(vocabulary: CatalogVocabulary) -> dict[tuple[str, ...], list[tuple[str, Any]]]:
    """Phrase -> what it names, built once per vocabulary."""
    if vocabulary.phrase_table is not None:
        return vocabulary.phrase_table
    table: dict[tuple[str, ...], list[tuple[str, Any]]] = {}

    def add(phrase: str, entry: tuple[str, Any]) -> None:
        for words in variants(tuple(normalize(phrase).split())):
            if entry not in table.setdefault(words, []):
                table[words].append(entry)

    for name, audience in AUDIENCES.items():
        for cue in audience.cues:
            add(cue, ("audience", name))
    for key, genres in vocabulary.genre_phrases.items():
        add(key, ("genre", genres))
    for name, mood in MOODS.items():
        for cue in mood.cues:
            add(cue, ("mood", name))
    for key, tag in vocabulary.tag_phrases.items():
        add(key, ("tag", tag))
    vocabulary.phrase_table = table
    return table


def _settle(facets: RequestFacets, vocabulary: CatalogVocabulary) -> None:
    """Resolve conflicts: a genre asked for outright is never excluded by a mood or audience rule."""
    wanted = set(facets.genres) | set(facets.any_genres)
    facets.exclude_genres = [g for g in facets.exclude_genres if g not in wanted]
    facets.moods = [m for m in facets.moods if m not in facets.avoid_moods]
    facets.tags = [t for t in facets.tags if t not in facets.avoid_tags]
