"""``Recommender``: a user's memories in, ranked items out, each with a reason drawn from those memories.

It reads the user's interactions (memories of kind ``interaction``) and stated preferences (kind
``preference``) from the memory store, builds a ``UserProfile`` and ranks the catalog with
``tools.pipeline.rank_items``, the same function the MovieLens evaluation scores.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, Field

from memory import Memory, MemoryKind, MemoryStore
from memory.errors import InvalidInputError, NotFoundError
from memory.records import check_user_id

from .catalog import Catalog, CatalogIndex
from .interactions import Interaction, user_interactions
from .items import Item
from .pipeline import RankingConfig, Signals, history_profile, rank_items
from .ranking import UserProfile
from .rerank import llm_rerank
from .retrieval import Filters, ItemKNN, parse_filters

if TYPE_CHECKING:
    from agent.settings import Settings

MAX_K = 100
NEGATIVE_CUES = re.compile(
    r"\b(don'?t|do not|doesn'?t|never|no|not|nothing|hate[sd]?|dislike[sd]?|avoid|can'?t stand|tired of|too)\b",
    re.IGNORECASE,
)
# Words that only say "I want a recommendation": a clause of nothing else carries no taste to match.
REQUEST_FILLER = re.compile(
    r"\b(can|could|would|you|me|us|please|recommend\w*|suggest\w*|give|show|find|some|something|anything|"
    r"a|an|the|good|nice|great|new|movies?|films?|shows?|books?|items?|to|watch|see|read|for|tonight|today|"
    r"this|weekend|evening|now|what|should|i|we|any|ideas?|like)\b",
    re.IGNORECASE,
)
# Everyday words for genres, so "nothing scary" can exclude Horror; only genres the catalog has are used.
GENRE_WORDS = {
    "horror": ("scary", "creepy", "gory", "frightening", "horror", "spooky"),
    "war": ("violent", "violence", "war"),
    "crime": ("violent", "violence", "crime", "gangster"),
    "romance": ("romantic", "romance", "love stor", "romcom"),
    "animation": ("cartoon", "animated", "animation"),
    "documentary": ("documentary", "documentaries"),
    "musical": ("musical",),
}
QUERY_CLAUSES = re.compile(r"[,;.!?]|\bbut\b", re.IGNORECASE)
PREFERENCE_MATCH = 0.35  # cosine above which a stated preference is cited as a reason
ITEMKNN_FILE = "itemknn.npz"


class Recommendation(BaseModel):
    """One recommended item, its score, and why: the user's own memories it follows from."""

    item: Item
    score: float
    reason: str
    evidence: list[str] = Field(default_factory=list, description="Texts of the memories the reason cites.")


def preference_sign(text: str) -> float:
    """+1 for something the user wants, -1 for something they don't ("no horror", "I hate musicals")."""
    return -1.0 if NEGATIVE_CUES.search(text) else 1.0


def unwanted_genres(query: str, known: Sequence[str]) -> set[str]:
    """Catalog genres named in the negative parts of a query ("no horror", "nothing too violent")."""
    clauses = [c for c in QUERY_CLAUSES.split(query) if c and preference_sign(c) < 0]
    text = " ".join(clauses).casefold()
    found = set()
    for genre in known:
        words = (genre.casefold(), *GENRE_WORDS.get(genre.casefold(), ()))
        if any(word in text for word in words):
            found.add(genre)
    return found


def with_dislikes(profile: UserProfile, vectors: np.ndarray) -> UserProfile:
    """The profile plus extra things the user does not want."""
    known = profile.preference_vectors if profile.has_preferences else np.empty((0, vectors.shape[1]), np.float32)
    return replace(
        profile,
        preference_vectors=np.vstack([known, vectors]).astype(np.float32),
        preference_signs=np.concatenate([profile.preference_signs, -np.ones(len(vectors))]),
    )


def default_knn_path(settings: Settings | None = None) -> Path:
    """Where ``rapport interactions import`` keeps everyone's co-occurrence model."""
    from agent.settings import Settings

    return (settings or Settings()).data_dir.expanduser() / "recsys" / ITEMKNN_FILE


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
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.chat_model = chat_model
        self.config = config or RankingConfig()
        self._knn = knn
        self._knn_path = knn_path

    @property
    def index(self) -> CatalogIndex:
        return self.catalog.index()

    @property
    def knn(self) -> ItemKNN | None:
        """Everyone's co-occurrence model, built by ``rapport interactions import`` (None before that)."""
        if self._knn is None:
            self._knn = ItemKNN.load(self._knn_path or default_knn_path(), self.index.ids)
        return self._knn

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

    def recommend(
        self,
        user_id: str,
        *,
        query: str | None = None,
        k: int = 10,
        filters: Filters | dict[str, Any] | None = None,
        include_rated: bool = False,
        known_user: bool = False,
    ) -> list[Recommendation]:
        """The ``k`` best items for the user, never one they already rated unless ``include_rated``.

        ``known_user`` makes a user with no memories at all an error instead of a cold start.
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
        query_vector, unwanted = self._split_query(query) if query else (None, None)
        if unwanted is not None:  # "nothing scary" counts like a stated dislike, for this request only
            profile = with_dislikes(profile, unwanted)
            named = unwanted_genres(query, index.genres())
            if named:
                filters = filters.model_copy(
                    update={"exclude_genres": sorted({*(filters.exclude_genres or []), *named})}
                )
        chosen, scores, signals = rank_items(
            index, profile, k, config=self.config, knn=self.knn, query_vector=query_vector, filters=filters
        )
        if self.chat_model is not None and getattr(self.chat_model, "supports_tools", False):
            lines = [m.text for m in preferences] + [m.text for m in memories[:20]]
            order = llm_rerank(self.chat_model, [index.items[p] for p in chosen], profile=lines, query=query)
            chosen = [chosen[i] for i in order]
        by_item = {str(m.metadata.get("item_id")): m for m in reversed(memories)}  # newest memory per item
        return [
            self._explain(position, float(scores[position]), profile, history, by_item, preferences, signals, query)
            for position in chosen
        ]

    def _split_query(self, query: str) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The wanted parts of a query as one vector to pull towards, the unwanted ones ("nothing too violent")."""
        clauses = [c.strip() for c in QUERY_CLAUSES.split(query) if c and c.strip()] or [query]
        clauses = [c for c in clauses if re.search(r"\w{3,}", REQUEST_FILLER.sub(" ", c))]
        if not clauses:
            return None, None
        signs = np.array([preference_sign(c) for c in clauses])
        vectors = self.store.embedder.encode(clauses)
        wanted = vectors[signs > 0].mean(axis=0) if (signs > 0).any() else None
        unwanted = vectors[signs < 0] if (signs < 0).any() else None
        return wanted, unwanted

    def _explain(
        self,
        position: int,
        score: float,
        profile: UserProfile,
        history: list[Interaction],
        memory_of_item: dict[str, Memory],
        preferences: list[Memory],
        signals: Signals,
        query: str | None,
    ) -> Recommendation:
        """Cite the liked items closest to this one and the stated preferences it matches."""
        index = self.index
        item = index.items[position]
        parts: list[str] = []
        evidence: list[str] = []
        liked = [n for n, value in enumerate(profile.polarity) if value > 0]
        if liked:
            closeness = self._closeness(position, profile.positions[liked])
            best = [liked[n] for n in np.argsort(-closeness)[:2] if closeness[n] > 0]
            titles = [index.items[profile.positions[n]].title for n in best]
            if titles:
                parts.append("because you liked " + " and ".join(titles))
                cited = [memory_of_item.get(history[n].item_id) for n in best]
                evidence += [memory.text for memory in cited if memory is not None]
        if preferences:
            similarity = profile.preference_vectors @ index.embeddings[position]
            for n in np.argsort(-similarity)[:2]:
                if profile.preference_signs[n] > 0 and similarity[n] >= PREFERENCE_MATCH:
                    parts.append(f"it fits what you told me: “{preferences[n].text}”")
                    evidence.append(preferences[n].text)
                    break
        if query is not None and signals.query is not None:
            parts.append(f"it matches “{query}”")
        if not parts:
            count = int(self.knn.counts[position]) if self.knn is not None else int(index.popularity[position])
            parts.append(f"it is popular with other users ({count} interactions); I don't know your taste yet")
        reason = parts[0][0].upper() + parts[0][1:] + "".join(f"; {p}" for p in parts[1:]) + "."
        return Recommendation(item=item, score=round(score, 4), reason=reason, evidence=evidence)

    def _closeness(self, position: int, liked_positions: np.ndarray) -> np.ndarray:
        """How related each liked item is to the recommended one: co-occurrence, else text similarity."""
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
