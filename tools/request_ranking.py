"""From a request's facets to what ranking needs: which items are allowed, extra signals, and reasons.

Every facet becomes a constraint (the items that satisfy it, and how to say why an item does) or a
soft signal. Exclusions, era and running time always hold; wanted genres, moods, audiences and
"shares genres with the title you named" are relaxed, least important first, only when fewer than
``min_pool`` items would satisfy them all. Within what is allowed, items are ordered by the user's
own signals (``tools.pipeline``) plus a quality prior, tag and meaning matches, and closeness to the
titles the request names.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, Field

from .ranking import standardize
from .request_context import RequestContext
from .request_facets import RequestFacets
from .request_lexicon import MOODS
from .request_reasons import avoid_label, describe_match, describe_tag, era_label, join_words, said_as_cue, short_title
from .request_vocabulary import CatalogVocabulary

if TYPE_CHECKING:
    from memory.embedder import Embedder

    from .catalog import CatalogIndex
    from .ease import EASE
    from .pipeline import RankingConfig, Signals
    from .ranking import UserProfile
    from .retrieval import Filters, ItemKNN


class RequestConfig(BaseModel):
    """Weights of the request's signals, blended with ``RankingConfig``'s (all on z-scores).

    A facet match is worth a few stars added to the quality prior before blending ("fit"): on its own,
    a sparse signal such as "carries a mood's tag" (few items are tagged) would be standardized into
    huge z-scores and outweigh quality and the user's taste.
    """

    quality_weight: float = Field(default=1.0, description="Weight of fit: the quality prior plus match stars.")
    mood_tag_stars: float = Field(default=0.15, description="Per tag of a wanted mood the item carries (two at most).")
    topic_tag_stars: float = Field(default=0.6, description="The item carries a tag the request names.")
    topic_genre_stars: float = Field(default=0.2, description="It has a genre most items with that tag have.")
    purity_stars: float = Field(default=0.6, description="Times the share of its genres that the request asked for.")
    similar_genre_stars: float = Field(default=0.5, description="Times its genre overlap (Jaccard) with a named title.")
    meaning_weight: float = 0.6
    similar_cf_weight: float = 1.2
    similar_meaning_weight: float = 0.6
    avoid_text_weight: float = 1.0
    min_pool: int = 20  # fewer allowed items than this (or a tenth of a small catalog) relaxes a soft constraint


@dataclass
class Constraint:
    """Items that satisfy one facet; ``relax`` orders which give way first (None: never)."""

    key: str
    allowed: np.ndarray
    relax: int | None
    describe: Callable[[int], str | None]
    words: str = ""  # the request's words for this facet, for the note when it is loosened


@dataclass
class RequestPlan:
    facets: RequestFacets
    allowed: np.ndarray
    signals: dict[str, tuple[np.ndarray, float]]
    constraints: list[Constraint]
    relaxed: list[Constraint]
    seeds: list[int]
    notes: list[str]

    def reasons(self, position: int) -> list[str]:
        """Why this item fits the request, facet by facet, in the request's own words."""
        parts = []
        for constraint in self.constraints:
            text = constraint.describe(position)
            if text and text not in parts:
                parts.append(text)
        return parts


def plan_request(
    context: RequestContext,
    facets: RequestFacets,
    *,
    embedder: Embedder,
    knn: ItemKNN | None = None,
    exclude: Sequence[int] = (),
    config: RequestConfig | None = None,
) -> RequestPlan:
    """Constraints, relaxation and signals for one request; ``exclude`` are items never shown (seen ones)."""
    config = config or RequestConfig()
    vocabulary, index = context.vocabulary, context.index
    n = len(index)
    constraints: list[Constraint] = []
    genre_sets = context.genre_sets
    facets = facets.model_copy(deep=True)
    notes = list(facets.notes)
    _canonical(facets, vocabulary, notes)

    def has_any(genres: Sequence[str]) -> np.ndarray:
        return index.genre_mask(list(genres)) if genres else np.zeros(n, dtype=bool)

    def tagged(tags: frozenset[str] | Sequence[str]) -> np.ndarray:
        mask = np.zeros(n, dtype=bool)
        for tag in tags:
            if tag in vocabulary.tag_items:
                mask[vocabulary.tag_items[tag]] = True
        return mask

    wanted = set(facets.genres) | set(facets.any_genres)

    if facets.genres:
        mask = np.ones(n, dtype=bool)
        for genre in facets.genres:
            mask &= has_any([genre])
        said = join_words([g.casefold() for g in facets.genres], "and")
        constraints.append(Constraint("genres", mask, 5, lambda p, said=said: said, said))
    if facets.any_genres:
        options = facets.any_genres
        constraints.append(Constraint(
            "any_genres", has_any(options), 4,
            lambda p: join_words([g.casefold() for g in options if g in genre_sets[p]], "and"),
            join_words(options, "or"),
        ))  # fmt: skip
    named_something = wanted or facets.similar_to or facets.tags or facets.moods or facets.audience
    liked = [g for g in facets.liked_genres if g not in facets.exclude_genres]
    if liked and not named_something:  # "a movie for tonight?" from someone who loves sci-fi
        said = join_words([g.casefold() for g in liked], "or")
        constraints.append(Constraint("liked_genres", has_any(liked), 3, lambda p: None, said))
    disliked = [g for g in facets.disliked_genres if g not in wanted]
    if disliked:  # the reason is the user's own statement, cited by the recommender
        constraints.append(Constraint("disliked_genres", ~has_any(disliked), None, lambda p: None))
    if facets.exclude_genres:
        excluded = [g for g in facets.exclude_genres if g not in wanted]
        label = avoid_label(facets, "avoid_genre:", excluded)
        constraints.append(Constraint("exclude_genres", ~has_any(excluded), None, lambda p, label=label: label))
    for name in facets.moods:
        mood = vocabulary.moods[name]
        label = said_as_cue(facets.phrase(f"mood:{name}", mood.label), MOODS[name].cues)
        want = [g for g in mood.want]
        avoid = [g for g in mood.avoid if g not in wanted]
        # the mood's genres decide; its tags only order within them (a drama tagged "funny" is not light),
        # unless the mood has no genres here ("weird"), when its tags are all there is
        mask = has_any(want) if want else tagged(mood.tags)
        shown = [g for g in want if g not in wanted]  # "sci-fi" asked for outright is not repeated under the mood
        describe = describe_match(label, shown, mood.tags, index, genre_sets)
        constraints.append(Constraint(f"mood:{name}", mask, 2, describe, label))
        if avoid:
            constraints.append(Constraint(f"mood_avoid:{name}", ~has_any(avoid), 1, lambda p: None, label))
    for name in facets.avoid_moods:
        mood = vocabulary.moods[name]
        avoid = [g for g in mood.negated_avoid if g not in wanted]
        label = facets.phrase(f"avoid_mood:{name}", f"nothing {mood.label}")
        if avoid:
            text = f"{label}: no {join_words([g.casefold() for g in avoid], 'or')}"
            constraints.append(Constraint(f"avoid_mood:{name}", ~has_any(avoid), None, lambda p, t=text: t))
        if mood.negated_want:
            options = list(mood.negated_want)
            constraints.append(Constraint(f"avoid_mood_want:{name}", has_any(options), 2, lambda p: None, label))
        if mood.tags:
            constraints.append(Constraint(f"avoid_mood_tags:{name}", ~tagged(mood.tags), 0, lambda p: None, label))
    if facets.audience:
        audience = vocabulary.audiences[facets.audience]
        avoid = [g for g in audience.avoid if g not in wanted]
        if audience.want:
            mask = has_any(audience.want)
            describe = describe_match(audience.label, audience.want, (), index, genre_sets)
            constraints.append(Constraint(f"audience:{audience.name}", mask, 3, describe, audience.label))
        if avoid:
            names = join_words([g.casefold() for g in avoid], "or")
            text = f"{audience.label}: no {names}" if not audience.want else None
            constraints.append(
                Constraint(f"audience_avoid:{audience.name}", ~has_any(avoid), 1, lambda p, t=text: t, audience.label)
            )
    for name in facets.avoid_audiences:
        audience = vocabulary.audiences[name]
        avoid = [g for g in audience.negated_avoid if g not in wanted]
        if avoid:
            label = facets.phrase(f"avoid_audience:{name}", f"not {audience.label}")
            text = f"{label}: no {join_words([g.casefold() for g in avoid], 'or')}"
            constraints.append(Constraint(f"avoid_audience:{name}", ~has_any(avoid), None, lambda p, t=text: t))
    if facets.year_min is not None or facets.year_max is not None:
        years = index.years
        mask = np.isfinite(years)
        if facets.year_min is not None:
            mask &= years >= facets.year_min
        if facets.year_max is not None:
            mask &= years <= facets.year_max
        label = facets.phrase("era", era_label(facets))
        constraints.append(Constraint("era", mask, None, lambda p, label=label: f"{label}: {int(years[p])}"))
    if (facets.min_minutes or facets.max_minutes) and vocabulary.runtimes is not None:
        runtimes = vocabulary.runtimes
        mask = np.isfinite(runtimes)
        if facets.min_minutes:
            mask &= runtimes >= facets.min_minutes
        if facets.max_minutes:
            mask &= runtimes <= facets.max_minutes
        label = facets.phrase("length", "length")
        constraints.append(Constraint("length", mask, None, lambda p, label=label: f"{label}: {int(runtimes[p])} min"))
    seeds = [p for title in facets.similar_to if (p := vocabulary.find_title(title)) is not None]
    for title in facets.similar_to:
        if vocabulary.find_title(title) is None:
            notes.append(f"“{title}” is not in the catalog, so it was matched on meaning only")
            facets.text = " ".join(filter(None, [facets.text, title]))
    if seeds:
        constraints += _similar_constraints(seeds, facets, index, genre_sets, knn, vocabulary)
    if facets.avoid_tags:
        constraints.append(Constraint("avoid_tags", ~tagged(facets.avoid_tags), None, lambda p: None))
    for tag in facets.tags:  # "a zombie movie": the tag's items, or the genres most of them have
        label = facets.phrase(f"tag:{tag}", tag)
        main = vocabulary.tag_genres.get(tag, ())[:1]  # the genre most of its items have
        mask = tagged([tag]) | has_any(main) if main and not wanted else np.ones(n, bool)
        describe = describe_tag(label, tag, vocabulary, genre_sets)
        constraints.append(Constraint(f"tag:{tag}", mask, 0, describe, label))

    base = np.ones(n, dtype=bool)
    if len(exclude):
        base[np.asarray(exclude, dtype=int)] = False
    base[seeds] = False
    active, relaxed = _relax(constraints, base, min(config.min_pool, max(3, n // 10)))
    allowed = base.copy()
    for constraint in active:
        allowed &= constraint.allowed
    kept = {c.words for c in active}
    for words in dict.fromkeys(c.words for c in relaxed if c.words and c.words not in kept):
        notes.append(f"few items fit everything, so “{words}” was loosened")

    signals = _signals(context, facets, seeds, embedder, knn, config, tagged)
    return RequestPlan(facets, allowed, signals, active, relaxed, seeds, notes)


def _relax(constraints: list[Constraint], base: np.ndarray, min_pool: int) -> tuple[list[Constraint], list[Constraint]]:
    """Drop soft constraints, lowest ``relax`` first, while fewer than ``min_pool`` items satisfy the rest."""
    active = list(constraints)
    relaxed: list[Constraint] = []

    def pool(kept: list[Constraint]) -> int:
        mask = base.copy()
        for constraint in kept:
            mask &= constraint.allowed
        return int(mask.sum())

    while pool(active) < min_pool:
        soft = [c for c in active if c.relax is not None and not c.allowed.all()]
        if not soft:
            break
        weakest = min(soft, key=lambda c: c.relax)
        active.remove(weakest)
        relaxed.append(weakest)
    return active, relaxed


def _signals(
    context: RequestContext,
    facets: RequestFacets,
    seeds: list[int],
    embedder: Embedder,
    knn: ItemKNN | None,
    config: RequestConfig,
    tagged: Callable[[Sequence[str]], np.ndarray],
) -> dict[str, tuple[np.ndarray, float]]:
    vocabulary, index = context.vocabulary, context.index
    n = len(index)
    signals: dict[str, tuple[np.ndarray, float]] = {}
    stars = np.zeros(n)
    for name in facets.moods:
        mood_tags = sorted(vocabulary.moods[name].tags)
        if mood_tags:
            counts = sum(tagged([t]).astype(float) for t in mood_tags)
            stars += config.mood_tag_stars * np.minimum(counts, 2.0)
    for tag in facets.tags:
        stars += config.topic_tag_stars * tagged([tag])
        signalled = vocabulary.tag_genres.get(tag, ())
        if signalled:
            stars += config.topic_genre_stars * index.genre_mask(list(signalled))
    if facets.genres or facets.any_genres:  # "a comedy": a pure comedy before a crime drama with jokes
        wanted = set(facets.genres) | set(facets.any_genres)
        stars += config.purity_stars * np.array([len(wanted & g) / len(g) if g else 0.0 for g in context.genre_sets])
    for seed in seeds:
        seed_genres = context.genre_sets[seed]
        if seed_genres:
            overlap = np.array([len(seed_genres & g) / len(seed_genres | g) for g in context.genre_sets])
            stars += config.similar_genre_stars * overlap
    if context.quality is not None or stars.any():
        quality = context.quality if context.quality is not None else np.zeros(n)
        signals["fit"] = (quality + stars, config.quality_weight)
    said = [facets.text or ""]
    said += [facets.phrase(f"mood:{m}", "") for m in facets.moods]
    texts = " ".join(s for s in said if s).strip()
    wanted_text = texts if texts else None
    queries = [q for q in (wanted_text, facets.avoid_text) if q]
    vectors = dict(zip(queries, embedder.encode(queries), strict=True)) if queries else {}
    if wanted_text:
        signals["meaning"] = (context.meaning @ vectors[wanted_text], config.meaning_weight)
    if facets.avoid_text:
        close = standardize(context.meaning @ vectors[facets.avoid_text])
        signals["avoid_text"] = (-np.maximum(close - 1.0, 0.0), config.avoid_text_weight)
    if seeds:
        if knn is not None:
            signals["similar_cf"] = (knn.scores(seeds), config.similar_cf_weight)
        centre = context.meaning[seeds].mean(axis=0)
        signals["similar_meaning"] = (context.meaning @ centre, config.similar_meaning_weight)
    return signals


def _similar_constraints(
    seeds: list[int], facets: RequestFacets, index: CatalogIndex, genre_sets: list[frozenset[str]],
    knn: ItemKNN | None, vocabulary: CatalogVocabulary,
) -> list[Constraint]:  # fmt: skip
    """"like Toy Story": share at least half of its genres, its most distinctive one (the rarest in the
    catalog) among them; when too few items do, just half of its genres. The reason names the title."""
    constraints = []
    frequency = Counter(g for genres in genre_sets for g in genres)
    known_genres = {g for genres in vocabulary.concepts.values() for g in genres}
    for seed in seeds:
        seed_genres = genre_sets[seed]
        title = index.items[seed].title
        short = short_title(title)
        label = facets.phrase(f"similar:{title}", f"like {short}")
        label = f"like {short}" if label.startswith(("like", "similar", "i ", "if ", "in the", "more")) else label
        need = math.ceil(len(seed_genres) / 2)
        # the rarest genre the lexicon knows as a genre (a format label such as "IMAX" says little)
        known = [g for g in seed_genres if g in known_genres] or sorted(seed_genres)
        rarest = min(known, key=lambda g: (frequency[g], g)) if seed_genres else None
        loose = np.array([len(seed_genres & g) >= need for g in genre_sets])
        mask = loose & np.array([rarest in g for g in genre_sets])
        if not seed_genres:
            mask = np.ones(len(index), bool)
        neighbours = set()
        if knn is not None:
            row = knn.scores([seed])
            neighbours = set(np.argsort(-row)[:50].tolist()) if row.any() else set()

        def describe(p: int, seed_genres=seed_genres, label=label, neighbours=neighbours) -> str | None:
            shared = sorted(g.casefold() for g in seed_genres & genre_sets[p])
            if p in neighbours:
                also = f" ({join_words(shared, 'and')})" if shared else ""
                return f"{label}: people who liked it liked this too{also}"
            return f"{label}: also {join_words(shared, 'and')}" if shared else None

        constraints.append(Constraint(f"similar:{seed}", mask, 0, describe, label))
        constraints.append(Constraint(f"similar_loose:{seed}", loose, 1, describe, label))  # too few share the rarest
    return constraints


def _canonical(facets: RequestFacets, vocabulary: CatalogVocabulary, notes: list[str]) -> None:
    """Genre names from a model or a person ("sci fi", "comedies") in the catalog's spelling; unknown ones
    go to the free text (wanted) or are noted (unwanted)."""
    for field_name in ("genres", "any_genres", "exclude_genres", "liked_genres", "disliked_genres"):
        names: list[str] = []
        for name in getattr(facets, field_name):
            found = (name,) if name in vocabulary.genres else vocabulary.canonical_genre(name)
            if found:
                names += [g for g in found if g not in names]
            elif field_name in ("liked_genres", "disliked_genres"):
                continue  # read from memories in this catalog's terms; another catalog may lack them
            elif field_name == "exclude_genres":
                notes.append(f"the catalog has no genre “{name}”, so it could not be excluded")
                facets.avoid_text = " ".join(filter(None, [facets.avoid_text, name]))
            else:
                facets.text = " ".join(filter(None, [facets.text, name]))
        setattr(facets, field_name, names)
    facets.tags = [t for t in facets.tags if t in vocabulary.tag_items]
    facets.avoid_tags = [t for t in facets.avoid_tags if t in vocabulary.tag_items]


def rank_request(
    context: RequestContext,
    profile: UserProfile,
    facets: RequestFacets,
    k: int,
    *,
    embedder: Embedder,
    knn: ItemKNN | None = None,
    popularity: np.ndarray | None = None,
    config: RankingConfig | None = None,
    request_config: RequestConfig | None = None,
    filters: Filters | None = None,
    ease: EASE | None = None,
) -> tuple[list[int], np.ndarray, Signals, RequestPlan]:
    """The ``k`` best items for this user and request: the product's path and the eval's, one function."""
    from .pipeline import rank_items

    seen = () if filters is not None and filters.include_seen else profile.positions
    plan = plan_request(context, facets, embedder=embedder, knn=knn, exclude=seen, config=request_config)
    chosen, scores, signals = rank_items(
        context.index, profile, k, config=config, knn=knn, popularity=popularity, filters=filters,
        allowed=plan.allowed, extra=plan.signals, ease=ease,
    )  # fmt: skip
    return chosen, scores, signals, plan
