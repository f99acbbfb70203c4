"""A catalog's own vocabulary for reading requests: its genres, its tags, its titles, its years.

Built once per catalog from the items themselves. The general words of ``tools.request_lexicon``
are resolved here against what this catalog has: a genre concept maps to the catalog genres with
its name, a mood's tag words to the catalog tags that contain them, "recent" to the newest years
present. Tags also say which genres they signal (by lift over the catalog), so "a zombie movie"
leans to whatever genre this catalog's zombie-tagged items have.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .catalog import CatalogIndex
from .request_lexicon import AUDIENCES, GENRE_WORDS, MOODS, NEGATED_MOODS

MIN_TAG_ITEMS = 2  # a tag on one item only is somebody's note, not vocabulary
TAG_GENRE_SHARE = 0.5  # a tag signals a genre when at least this share of its items have it ...
TAG_GENRE_LIFT = 1.5  # ... and that share is this many times the genre's share of the catalog
RUNTIME_KEYS = ("runtime", "runtime_minutes", "minutes", "length_minutes", "duration_minutes", "duration")
RECENT_YEARS = 6  # "recent": within this many years of the newest item
NEGATING = frozenset({"not", "no", "never", "too", "isnt", "un", "non", "nothing", "bad", "over"})
LEADING_ARTICLES = ("the", "a", "an", "le", "la", "les", "l", "il", "el", "der", "die", "das")


def normalize(text: str) -> str:
    """Lower case, accents folded, punctuation to spaces, one space between words."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold()
    folded = folded.replace("'", "").replace("’", "")
    return re.sub(r"[^a-z0-9]+", " ", folded).strip()


def variants(words: tuple[str, ...]) -> set[tuple[str, ...]]:
    """A phrase and its possible singulars, varying the last word ("zombies" -> "zombie", "comedies" ->
    "comedy", "heroes" -> "hero"); both sides of a match expand, so "zombie" meets "zombies"."""
    if not words:
        return set()
    *head, last = words
    forms = {last}
    if len(last) > 3 and last.endswith("s") and not last.endswith("ss"):
        forms |= {last[:-1], last[:-2] if last.endswith("es") else last[:-1]}
        if last.endswith("ies"):
            forms.add(last[:-3] + "y")
    return {(*head, form) for form in forms}


def phrase_key(text: str) -> str:
    return normalize(text)


def squash(text: str) -> str:
    return normalize(text).replace(" ", "")


@dataclass
class ResolvedMood:
    """A mood or audience in this catalog's terms (genre names as the catalog writes them, its own tags)."""

    name: str
    label: str
    want: tuple[str, ...]
    avoid: tuple[str, ...]
    tags: frozenset[str]
    negated_avoid: tuple[str, ...] = ()
    negated_want: tuple[str, ...] = ()


@dataclass
class CatalogVocabulary:
    genres: tuple[str, ...]
    genre_phrases: dict[str, tuple[str, ...]]  # phrase key -> catalog genres
    concepts: dict[str, tuple[str, ...]]  # lexicon concept -> catalog genres
    tag_items: dict[str, np.ndarray]  # catalog tag -> positions
    tag_phrases: dict[str, str]  # phrase key -> catalog tag
    tag_genres: dict[str, tuple[str, ...]]  # catalog tag -> genres it signals, the most shared first
    moods: dict[str, ResolvedMood]
    audiences: dict[str, ResolvedMood]
    titles: dict[str, list[int]]  # title key -> positions, most popular first
    newest_year: int | None
    year_quantiles: dict[int, int] = field(default_factory=dict)  # percent -> year
    runtimes: np.ndarray | None = None  # minutes per item (NaN unknown), None when the catalog has none
    title_of: list[str] = field(default_factory=list)  # position -> title
    popularity: np.ndarray = field(default_factory=lambda: np.empty(0))
    phrase_table: dict | None = None  # the parser's phrase lookup, built on first use

    def genres_of(self, concepts: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        found: list[str] = []
        for concept in concepts:
            for genre in self.concepts.get(concept, ()):
                if genre not in found:
                    found.append(genre)
        return tuple(found)

    def find_title(self, title: str) -> int | None:
        """The position of a title as a person or a model wrote it ("The Matrix", "Matrix, The (1999)")."""
        for key in title_keys(title):
            if key in self.titles:
                return self.titles[key][0]
        return None

    def canonical_genre(self, name: str) -> tuple[str, ...]:
        """Catalog genres for a name a person or a model wrote ("sci fi", "Comedies"); () when unknown."""
        for form in variants(tuple(normalize(name).split())):
            if " ".join(form) in self.genre_phrases:
                return self.genre_phrases[" ".join(form)]
        return ()


def build_vocabulary(index: CatalogIndex) -> CatalogVocabulary:
    """Everything the request parser needs to know about this catalog."""
    genres = tuple(index.genres())
    concepts: dict[str, tuple[str, ...]] = {}
    genre_phrases: dict[str, list[str]] = defaultdict(list)
    for concept, words in GENRE_WORDS.items():
        names = {"".join(form) for word in (concept, *words) for form in variants(tuple(normalize(word).split()))}
        matched = tuple(
            g for g in genres if any("".join(form) in names for form in variants(tuple(normalize(g).split())))
        )
        if matched:
            concepts[concept] = matched
            for word in (concept, *words):
                for genre in matched:
                    if genre not in genre_phrases[phrase_key(word)]:
                        genre_phrases[phrase_key(word)].append(genre)
    for genre in genres:  # a genre no concept knows is still named by itself
        for word in {normalize(genre), normalize(genre).replace(" ", "-")}:
            if genre not in genre_phrases[phrase_key(word)]:
                genre_phrases[phrase_key(word)].append(genre)
    tag_items, tag_genres = _tags(index, genres)
    tag_phrases = {phrase_key(tag): tag for tag in tag_items}
    return CatalogVocabulary(
        genres=genres,
        genre_phrases={key: tuple(value) for key, value in genre_phrases.items()},
        concepts=concepts,
        tag_items=tag_items,
        tag_phrases=tag_phrases,
        tag_genres=tag_genres,
        moods={name: _resolve(name, mood, concepts, tag_items) for name, mood in MOODS.items()},
        audiences={name: _resolve(name, audience, concepts, tag_items) for name, audience in AUDIENCES.items()},
        titles=_titles(index),
        newest_year=int(np.nanmax(index.years)) if np.isfinite(index.years).any() else None,
        year_quantiles=_year_quantiles(index.years),
        runtimes=_runtimes(index),
        title_of=[item.title for item in index.items],
        popularity=index.popularity,
    )


def _resolve(name: str, entry, concepts: dict[str, tuple[str, ...]], tag_items: dict[str, np.ndarray]) -> ResolvedMood:
    def genres(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(g for concept in names for g in concepts.get(concept, ())))

    words = [normalize(word) for word in entry.tags]
    tags = frozenset(
        tag
        for tag in tag_items
        if any(_contains(normalize(tag), word) for word in words) and not NEGATING.intersection(normalize(tag).split())
    )
    negated = NEGATED_MOODS.get(name)
    negated_avoid = genres(negated[0]) if negated else genres(getattr(entry, "negated_avoid", ()) or entry.want)
    return ResolvedMood(
        name=name,
        label=entry.label or entry.cues[0],
        want=genres(entry.want),
        avoid=genres(entry.avoid),
        tags=tags,
        negated_avoid=negated_avoid,
        negated_want=genres(negated[1]) if negated else (),
    )


def _contains(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


def _tags(index: CatalogIndex, genres: tuple[str, ...]) -> tuple[dict[str, np.ndarray], dict[str, tuple[str, ...]]]:
    positions: dict[str, list[int]] = defaultdict(list)
    for position, item in enumerate(index.items):
        for tag in dict.fromkeys(t.strip().casefold() for t in item.tags if t.strip()):
            positions[tag].append(position)
    tag_items = {tag: np.array(found, dtype=int) for tag, found in positions.items() if len(found) >= MIN_TAG_ITEMS}
    genre_share = Counter(g for item in index.items for g in set(item.genres))
    total = max(len(index.items), 1)
    tag_genres: dict[str, tuple[str, ...]] = {}
    for tag, found in tag_items.items():
        counts = Counter(g for p in found for g in set(index.items[p].genres))
        signalled = [
            g
            for g, n in counts.most_common()
            if n >= MIN_TAG_ITEMS
            and n / len(found) >= TAG_GENRE_SHARE
            and (n / len(found)) / (genre_share[g] / total) >= TAG_GENRE_LIFT
        ]
        if signalled:
            tag_genres[tag] = tuple(signalled)
    return tag_items, tag_genres


def title_keys(title: str) -> list[str]:
    """Ways a person may write a title: "Matrix, The (1999)" -> "the matrix", "matrix"; an alternate
    title in parentheses ("Amelie (Fabuleux destin d'Amélie Poulain, Le)") counts too."""
    text = re.sub(r"\(\d{4}(?:[-–]\d{0,4})?\)\s*$", "", title).strip()
    names = [text]
    alternate = re.search(r"\(([^()]+)\)\s*$", text)
    if alternate:
        names = [text[: alternate.start()].strip(), alternate.group(1)]
    keys = []
    for name in names:
        moved = re.match(r"^(.*),\s*(the|a|an|le|la|les|l'|il|el|der|die|das)$", name.strip(), re.IGNORECASE)
        if moved:
            name = f"{moved.group(2)} {moved.group(1)}"
        key = normalize(name)
        if not key:
            continue
        keys.append(key)
        first, _, rest = key.partition(" ")
        if first in LEADING_ARTICLES and rest:
            keys.append(rest)
    return list(dict.fromkeys(keys))


def _titles(index: CatalogIndex) -> dict[str, list[int]]:
    titles: dict[str, list[int]] = defaultdict(list)
    for position, item in enumerate(index.items):
        for key in title_keys(item.title):
            titles[key].append(position)
    popularity = index.popularity
    return {key: sorted(found, key=lambda p: -popularity[p]) for key, found in titles.items()}


def _year_quantiles(years: np.ndarray) -> dict[int, int]:
    known = years[np.isfinite(years)]
    if len(known) == 0:
        return {}
    return {q: int(np.percentile(known, q)) for q in (10, 25, 50, 75)}


def _runtimes(index: CatalogIndex) -> np.ndarray | None:
    values = np.full(len(index), np.nan)
    for position, item in enumerate(index.items):
        for key in RUNTIME_KEYS:
            value = item.attributes.get(key)
            try:
                values[position] = float(value)
                break
            except (TypeError, ValueError):
                continue
    return values if np.isfinite(values).any() else None
