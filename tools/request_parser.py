"""The deterministic request parser: a request in words becomes ``RequestFacets`` for the embedded model.

Steps, in order, over the request's words: titles it names after a cue ("like Toy Story"), running
time, the scope of each negation ("nothing too violent", "no horror, but ..."), era, then the
longest phrases of the catalog's vocabulary (audience > genre > mood > tag). What is left, minus
words that only ask for a recommendation, is free text matched on meaning.
"""

from __future__ import annotations

from typing import Any

from .request_facets import RequestFacets
from .request_lexicon import (
    AUDIENCES,
    KIND_NOUNS,
    MOODS,
    NEGATION_CUES,
    NOT_A_TITLE_START,
    SCOPE_BREAKS,
    SIMILAR_CUES,
    word_set,
)
from .request_periods import read_era, read_length
from .request_vocabulary import CatalogVocabulary, normalize, variants
from .request_words import Word, content, match_at, phrase_set, span_at, words_of

MAX_PHRASE = 6
MAX_TITLE = 12
POSITIVE_STARTS = word_set("something some a an maybe preferably ideally just i we it with please")
ONLY_CUES = (("nothing", "but"), ("only",))
PRIORITY = {"audience": 0, "genre": 1, "mood": 2, "tag": 3}


def parse_request(text: str, vocabulary: CatalogVocabulary) -> RequestFacets:
    """The facets of ``text`` in this catalog's terms."""
    words = words_of(text)
    facets = RequestFacets()
    _similar(words, vocabulary, facets)
    read_length(words, vocabulary, facets)
    _negation(words)
    _phrases(words, vocabulary, facets, kinds=("audience",))  # "my 7 year old" is not an era
    read_era(words, vocabulary, facets)
    _phrases(words, vocabulary, facets)
    free = [w.raw for w in words if not w.negative and (w.free or (not w.used and content(w.raw)))]
    avoid = [w.raw for w in words if w.negative and (w.free or (not w.used and content(w.raw)))]
    facets.text = " ".join(free) or None
    facets.avoid_text = " ".join(avoid) or None
    _settle(facets, vocabulary)
    return facets


def _similar(words: list[Word], vocabulary: CatalogVocabulary, facets: RequestFacets) -> None:
    """"like Toy Story", "similar to The Matrix", "I loved Pulp Fiction": titles the catalog has."""
    cues = phrase_set(SIMILAR_CUES)
    start = 0
    while start < len(words):
        cue = match_at(words, start, cues, 5)
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
        if span_at(words, begin, length) is None:
            break
        longest = length
    for length in range(longest, 0, -1):
        span = words[begin : begin + length]
        key = " ".join(w.raw for w in span)
        followed_by_kind = begin + length < len(words) and words[begin + length].raw in KIND_NOUNS
        if followed_by_kind and not span[0].capital:
            continue  # "a fan of war movies": the genre, not the film "War"
        if key in vocabulary.titles and (span[0].capital or any(content(w.raw) for w in span)):
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


def _negation(words: list[Word]) -> None:
    """Mark the words each negation covers: from its cue to the clause end, a "but", or "and" + a new ask."""
    cues, breaks = phrase_set(NEGATION_CUES + ("rather than", "instead of")), phrase_set(SCOPE_BREAKS)
    only = phrase_set(tuple(" ".join(c) for c in ONLY_CUES))
    start = 0
    while start < len(words):
        if words[start].used:
            start += 1
            continue
        if length := match_at(words, start, only, 2):
            for w in words[start : start + length]:
                w.used = True
            start += length
            continue
        if words[start].raw == "non" and start + 1 < len(words):  # "non-violent"
            words[start].used = True
            words[start + 1].negative, words[start + 1].scope_start = True, start
            start += 2
            continue
        length = match_at(words, start, cues, 3)
        if not length:
            start += 1
            continue
        for w in words[start : start + length]:
            w.used = True
        scope = start + length
        while scope < len(words) and words[scope].clause == words[start].clause:
            if match_at(words, scope, breaks, 1) and not match_at(words, scope, cues, 3):
                break
            if words[scope].raw == "and" and scope + 1 < len(words) and words[scope + 1].raw in POSITIVE_STARTS:
                break
            words[scope].negative, words[scope].scope_start = True, start
            scope += 1
        start = scope


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
        if entries and (not tags or any(content(w.raw) for w in span)):
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
