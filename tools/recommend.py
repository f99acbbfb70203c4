"""``Recommender``: a user's memories in, ranked items out, each with a reason drawn from those memories.

It reads the user's interactions (memories of kind ``interaction``) and stated preferences (kind
``preference``) from the memory store, builds a ``UserProfile`` and ranks the catalog with
``tools.pipeline.rank_items``, the same function the MovieLens evaluation scores. A request in words
("something light, nothing violent") is read into facets first (``tools.request_parser``, or the
facets a tool-calling model filled) and ranked by ``tools.request_ranking.rank_request``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from memory import Memory, MemoryKind, MemoryStore
from memory.errors import InvalidInputError, NotFoundError
from memory.person import as_clause
from memory.records import check_user_id

from .catalog import Catalog, CatalogIndex
from .collab import EASE_FILE, CollabConfig, CollabModel, CollabRefresher
from .ease import EASE
from .interactions import Interaction, record_interactions, user_interactions
from .items import Item
from .pipeline import RankingConfig, default_config, history_profile, rank_items
from .ranking import UserProfile
from .request_context import MEANING_FILE, RequestContext, request_context
from .request_facets import RequestFacets
from .request_parser import parse_request
from .request_ranking import RequestConfig, RequestPlan, rank_request
from .rerank import llm_rerank
from .retrieval import Filters, ItemKNN, parse_filters
from .stated_taste import Reading, StatedTaste, stated_taste

if TYPE_CHECKING:
    from agent.settings import Settings

MAX_K = 100
NEGATIVE_CUES = re.compile(
    r"\b(don'?t|do not|doesn'?t|never|no|not|nothing|hate[sd]?|dislike[sd]?|avoid|can'?t stand|tired of|too)\b",
    re.IGNORECASE,
)
PREFERENCE_MATCH = 0.35  # cosine above which a stated preference is cited as a reason
ITEMKNN_FILE = "itemknn.npz"


class Recommendation(BaseModel):
    """One recommended item, its score, and why: the user's own memories it follows from."""

    item: Item
    score: float
    reason: str
    evidence: list[str] = Field(default_factory=list, description="Texts of the memories the reason cites.")
    facets: list[str] = Field(default_factory=list, description="How the item fits the request, facet by facet.")


def preference_sign(text: str) -> float:
    """+1 for something the user wants, -1 for something they don't ("no horror", "I hate musicals")."""
    return -1.0 if NEGATIVE_CUES.search(text) else 1.0


def _facets(facets: RequestFacets | dict[str, Any]) -> RequestFacets:
    if isinstance(facets, RequestFacets):
        return facets
    try:
        return RequestFacets.model_validate(dict(facets))
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise InvalidInputError(f"facets.{field}" if field else "facets", first["msg"]) from None


def default_knn_path(settings: Settings | None = None) -> Path:
    """Where ``rapport interactions import`` keeps everyone's co-occurrence model."""
    from agent.settings import Settings

    return (settings or Settings()).data_dir.expanduser() / "recsys" / ITEMKNN_FILE


def meaning_path(knn_path: Path | None = None) -> Path:
    """Where a catalog's meaning vectors are cached: beside the co-occurrence model."""
    return (knn_path or default_knn_path()).with_name(MEANING_FILE)


class Recommender:
    """Recommendations for one store's users over one catalog."""

    def __init__(
        self,
        store: MemoryStore,
        catalog: Catalog,
        *,
        knn: ItemKNN | None = None,
        knn_path: Path | None = None,
        chat_model: Any = None,
        config: RankingConfig | None = None,
        request_config: RequestConfig | None = None,
        ease: EASE | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.chat_model = chat_model
        self.config = config or default_config()  # chosen on validation data (tools/tuned.py)
        self.request_config = request_config or RequestConfig()
        self._knn = knn
        self._knn_path = knn_path
        self._ease = ease
        self._refresher: CollabRefresher | None = None
        self._requests: RequestContext | None = None
        self._taste_context: RequestContext | None = None
        self._taste_readings: dict[str, Reading] = {}

    @property
    def index(self) -> CatalogIndex:
        return self.catalog.index()

    @property
    def knn(self) -> ItemKNN | None:
        """Everyone's co-occurrence model, built by ``rapport interactions import`` (None before that)."""
        if self._knn is None:
            self._knn = ItemKNN.load(self._knn_path or default_knn_path(), self.index.ids)
        return self._knn

    @property
    def ease(self) -> EASE | None:
        """Everyone's EASE model, fitted next to the co-occurrence model (None before the first import)."""
        if self._ease is None:
            self._ease = EASE.load((self._knn_path or default_knn_path()).with_name(EASE_FILE), self.index.ids)
        return self._ease

    def record(self, user_id: str, interactions: list[Interaction]) -> int:
        """Write interactions as the user's memories; they count at this user's next request at once, and
        towards a background refit of everyone's models once ``CollabConfig.refit_every`` have arrived."""
        written, _ = record_interactions(self.store, self.index, check_user_id(user_id), interactions)
        if self._refresher is None:
            from .tuned import load_tuned

            every = load_tuned().collab.refit_every
            self._refresher = CollabRefresher(self.refit_models, self._install_models, every)
        self._refresher.notify(written)
        return written

    def refit_models(self) -> CollabModel:
        """Item-kNN and EASE from every user's interactions in the store (the tuned EASE settings)."""
        from .tuned import load_tuned

        return collab_from_store(self.store, self.index, load_tuned().collab)

    def _install_models(self, models: CollabModel) -> None:
        models.save((self._knn_path or default_knn_path()).parent, self.index.ids)
        self._knn, self._ease = models.knn, models.ease

    def requests(self) -> RequestContext:
        """The catalog's request vocabulary, meaning vectors and quality prior (built once per catalog)."""
        index = self.index
        if self._requests is None or self._requests.index is not index:
            self._requests = request_context(index, self.store.embedder, cache=meaning_path(self._knn_path))
        return self._requests

    def read_request(self, query: str | None, facets: RequestFacets | dict[str, Any] | None = None) -> RequestFacets:
        """The request's facets: the parser's reading of ``query``, with any facets given (by a model) on top."""
        parsed = parse_request(query, self.requests().vocabulary) if query else RequestFacets()
        if facets is None:
            return parsed
        return parsed.merged(_facets(facets))

    def profile(self, user_id: str) -> tuple[UserProfile, list[Interaction], list[Memory], list[Memory]]:
        """The user's profile, interactions (oldest first), interaction memories and active preference memories."""
        index = self.index
        preferences = self.store.list(user_id, kind=MemoryKind.PREFERENCE, limit=1000)
        interaction_memories = self.store.list(user_id, kind=MemoryKind.INTERACTION, limit=10**9)
        vectors = self.store.embedder.encode([m.text for m in preferences]) if preferences else None
        profile, history = history_profile(
            index,
            user_interactions(self.store, user_id),
            preference_vectors=vectors,
            preference_signs=np.array([preference_sign(m.text) for m in preferences], dtype=float),
        )
        return profile, history, interaction_memories, preferences

    def taste(self, user_id: str, preferences: list[Memory] | None = None) -> StatedTaste:
        """The genres the user's own statements like or avoid ("I mostly watch documentaries")."""
        if preferences is None:
            preferences = self.store.list(user_id, kind=MemoryKind.PREFERENCE, limit=1000)
        facts = self.store.list(user_id, kind=MemoryKind.FACT, limit=1000)
        context = self.requests()
        if self._taste_context is not context:  # readings are in one catalog's terms
            self._taste_context, self._taste_readings = context, {}
        return stated_taste([*preferences, *facts], context.vocabulary, self._taste_readings)

    def recommend(
        self,
        user_id: str,
        *,
        query: str | None = None,
        k: int = 10,
        filters: Filters | dict[str, Any] | None = None,
        include_rated: bool = False,
        known_user: bool = False,
        facets: RequestFacets | dict[str, Any] | None = None,
    ) -> list[Recommendation]:
        """The ``k`` best items for the user, never one they already rated unless ``include_rated``.

        ``query`` is the request in words; ``facets`` what a tool-calling model read from it (either
        may be left out). ``known_user`` makes a user with no memories at all an error instead of a
        cold start.
        """
        user_id = check_user_id(user_id)
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
            raise InvalidInputError("k", f"must be an integer from 1 to {MAX_K}, got {k!r}")
        if query is not None and not query.strip():
            query = None
        filters = parse_filters(filters)
        if include_rated:
            filters = filters.model_copy(update={"include_seen": True})
        if known_user and self.store.count(user_id) == 0:
            raise NotFoundError("user_id", user_id)
        index = self.index
        profile, history, memories, preferences = self.profile(user_id)
        taste = self.taste(user_id, preferences)
        plan: RequestPlan | None = None
        if query is not None or facets is not None or taste:
            request = taste.applied_to(self.read_request(query, facets))
            chosen, scores, signals, plan = rank_request(
                self.requests(), profile, request, k, embedder=self.store.embedder, knn=self.knn, ease=self.ease,
                config=self.config, request_config=self.request_config, filters=filters,
            )  # fmt: skip
        else:
            chosen, scores, signals = rank_items(
                index, profile, k, config=self.config, knn=self.knn, filters=filters, ease=self.ease
            )
        if self.chat_model is not None and getattr(self.chat_model, "supports_tools", False):
            lines = [m.text for m in preferences] + [m.text for m in memories[:20]]
            order = llm_rerank(self.chat_model, [index.items[p] for p in chosen], profile=lines, query=query)
            chosen = [chosen[i] for i in order]
        by_item = {str(m.metadata.get("item_id")): m for m in reversed(memories)}  # newest memory per item
        picks = [
            self._explain(position, float(scores[position]), profile, history, by_item, preferences, plan, taste)
            for position in chosen
        ]
        if plan is not None and plan.notes and picks:  # say once what could not be honoured
            picks[0].reason += " (" + "; ".join(plan.notes) + ")"
        return picks

    def _explain(
        self,
        position: int,
        score: float,
        profile: UserProfile,
        history: list[Interaction],
        memory_of_item: dict[str, Memory],
        preferences: list[Memory],
        plan: RequestPlan | None,
        taste: StatedTaste,
    ) -> Recommendation:
        """How it fits the request (facet by facet, and how well rated it is), then the liked items closest
        to it and the stated preferences it matches."""
        index = self.index
        item = index.items[position]
        facets = plan.reasons(position) if plan is not None else []
        parts: list[str] = list(facets)
        evidence: list[str] = []
        if plan is not None:
            rated = self._rating_text(position)
            if rated:
                parts.append(rated)
        liked = [n for n, value in enumerate(profile.polarity) if value > 0]
        if liked:
            closeness = self._closeness(position, profile.positions[liked])
            best = [liked[n] for n in np.argsort(-closeness)[:2] if closeness[n] > 0]
            titles = [index.items[profile.positions[n]].title for n in best]
            if titles:
                parts.append("because you liked " + " and ".join(titles))
                cited = [memory_of_item.get(history[n].item_id) for n in best]
                evidence += [memory.text for memory in cited if memory is not None]
        stated = taste.memory_for(item.genres)
        if stated is not None:
            parts.append(f"it fits what you told me: {as_clause(stated.text)}")
            evidence.append(stated.text)
        elif preferences:
            similarity = profile.preference_vectors @ index.embeddings[position]
            about_genres = taste.sources()  # their genres decide; a near meaning would cite them wrongly
            for n in np.argsort(-similarity)[:2]:
                if preferences[n].id in about_genres:
                    continue
                if profile.preference_signs[n] > 0 and similarity[n] >= PREFERENCE_MATCH:
                    parts.append(f"it fits what you told me: {as_clause(preferences[n].text)}")
                    evidence.append(preferences[n].text)
                    break
        if not parts:
            count = int(self.knn.counts[position]) if self.knn is not None else int(index.popularity[position])
            parts.append(f"it is popular with other users ({count} interactions); I don't know your taste yet")
        reason = parts[0][0].upper() + parts[0][1:] + "".join(f"; {p}" for p in parts[1:]) + "."
        return Recommendation(item=item, score=round(score, 4), reason=reason, evidence=evidence, facets=facets)

    def _rating_text(self, position: int) -> str | None:
        context = self.requests()
        mean, count = context.rating_means[position], int(context.rating_counts[position])
        if not np.isfinite(mean) or count < 1:
            return None
        return f"rated {mean:.1f}/5 by {count} {'person' if count == 1 else 'people'}"

    def _closeness(self, position: int, liked_positions: np.ndarray) -> np.ndarray:
        """How much each liked item speaks for the recommended one: its EASE weight (what the score added up),
        else co-occurrence, else text similarity."""
        if self.ease is not None:
            values = self.ease.contributions(liked_positions, None, position)
            if values.max(initial=0) > 0:
                return values
        if self.knn is not None:
            row = self.knn.similarity[position]
            values = np.asarray(row[:, liked_positions].todense()).ravel()
            if values.max(initial=0) > 0:
                return values
        embeddings = self.index.embeddings
        return embeddings[liked_positions] @ embeddings[position]


def knn_from_store(store: MemoryStore, index: CatalogIndex) -> ItemKNN:
    """Item-to-item co-occurrence from every user's interaction memories in ``store``."""
    from .retrieval import interaction_matrix

    by_user = {user: user_interactions(store, user) for user in store.users()}
    return ItemKNN.fit(interaction_matrix(index, by_user))


def collab_from_store(store: MemoryStore, index: CatalogIndex, config: CollabConfig | None = None) -> CollabModel:
    """Item-kNN and EASE from every user's interaction memories in ``store``."""
    by_user = {user: user_interactions(store, user) for user in store.users()}
    return CollabModel.fit(index, by_user, config)
