"""What users did with items (rated, liked, disliked, viewed), stored as their own memories.

Each interaction is a memory of kind ``interaction`` whose text reads like something the user said
("rated Toy Story (1995) 4.5/5"), with ``item_id``, ``action`` and ``rating`` in its metadata, so
the agent recalls it like any other memory and the recommender reads it back exactly.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field

from memory import MemoryKind, MemoryStore, NewMemory
from memory.errors import InvalidInputError, NotFoundError
from memory.records import check_user_id

from .catalog import CatalogIndex
from .items import read_csv_rows

LIKE_RATING = 4.0  # ratings at or above this count as liked, as in the evaluation's "positive"
DISLIKE_RATING = 2.5  # at or below: disliked
MAX_RATING = 5.0


class Action(StrEnum):
    RATED = "rated"
    LIKED = "liked"
    DISLIKED = "disliked"
    VIEWED = "viewed"


class Interaction(BaseModel):
    """One thing a user did with one item, at a time."""

    item_id: str
    action: Action = Action.RATED
    rating: float | None = Field(default=None, ge=0.0, le=MAX_RATING)
    timestamp: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def polarity(self) -> float:
        """How much the user liked it, in [-1, 1]: the sign says like or dislike, 0 is neutral."""
        if self.action is Action.LIKED:
            return 1.0
        if self.action is Action.DISLIKED:
            return -1.0
        if self.action is Action.VIEWED or self.rating is None:
            return 0.3
        if self.rating >= LIKE_RATING:
            return 0.5 + 0.5 * (self.rating - LIKE_RATING) / (MAX_RATING - LIKE_RATING)
        if self.rating <= DISLIKE_RATING:
            return -1.0 + self.rating / (2 * DISLIKE_RATING)
        return 0.0


def interaction_text(title: str, interaction: Interaction) -> str:
    if interaction.action is Action.RATED and interaction.rating is not None:
        return f"rated {title} {interaction.rating:g}/{MAX_RATING:g}"
    return f"{interaction.action.value} {title}"


def record_interactions(
    store: MemoryStore,
    index: CatalogIndex,
    user_id: str,
    interactions: Sequence[Interaction],
    *,
    skip_unknown: bool = False,
) -> tuple[int, int]:
    """Write interactions as the user's memories; returns (written, skipped unknown items).

    An item id that is not in the catalog raises ``NotFoundError`` unless ``skip_unknown``.
    """
    user_id = check_user_id(user_id)
    known, unknown = [], 0
    for interaction in interactions:
        if interaction.item_id in index.position:
            known.append(interaction)
        elif skip_unknown:
            unknown += 1
        else:
            raise NotFoundError("item_id", interaction.item_id)
    items = [
        NewMemory(
            text=interaction_text(index.items[index.position[i.item_id]].title, i),
            kind=MemoryKind.INTERACTION,
            created_at=i.timestamp,
            metadata={"item_id": i.item_id, "action": i.action.value, "rating": i.rating},
        )
        for i in known
    ]
    for start in range(0, len(items), store.max_batch):
        store.add_many(user_id, items[start : start + store.max_batch])
    return len(items), unknown


def user_interactions(store: MemoryStore, user_id: str) -> list[Interaction]:
    """The user's interactions read back from memory, oldest first."""
    memories = store.list(user_id, kind=MemoryKind.INTERACTION, limit=10**9)
    interactions = []
    for memory in memories:
        item_id = memory.metadata.get("item_id")
        if item_id is None:
            continue  # an interaction remembered from chat without a catalog id: recalled, not ranked
        interactions.append(
            Interaction(
                item_id=str(item_id),
                action=memory.metadata.get("action") or Action.RATED,
                rating=memory.metadata.get("rating"),
                timestamp=memory.created_at,
            )
        )
    return sorted(interactions, key=lambda i: i.timestamp)


class RatingsFile(BaseModel):
    """MovieLens-style ratings grouped by user, with what was skipped."""

    by_user: dict[str, list[Interaction]]
    skipped: dict[str, int] = Field(default_factory=dict)


def read_ratings(path: Path, *, users: int | None = None) -> RatingsFile:
    """``userId,movieId,rating,timestamp`` rows (timestamp in Unix seconds) as interactions per user.

    ``users`` keeps only the first N users in file order (for a quick import).
    """
    path = Path(path)
    if path.is_dir():
        path = path / "ratings.csv"
    rows, malformed = read_csv_rows(path, {"userId", "movieId", "rating", "timestamp"})
    skipped: Counter[str] = Counter()
    if malformed:
        skipped["malformed rows"] = malformed
    by_user: dict[str, list[Interaction]] = defaultdict(list)
    for row in rows:
        user = row["userId"].strip()
        if users is not None and user not in by_user and len(by_user) >= users:
            continue
        try:
            interaction = Interaction(
                item_id=row["movieId"].strip(),
                rating=float(row["rating"]),
                timestamp=datetime.fromtimestamp(int(float(row["timestamp"])), UTC),
            )
        except (ValueError, OverflowError):
            skipped["rows with a bad rating or timestamp"] += 1
            continue
        if not user:
            skipped["rows with an empty user id"] += 1
            continue
        by_user[user].append(interaction)
    if not by_user:
        raise InvalidInputError(str(path), "has no usable ratings", "check the file's contents")
    return RatingsFile(by_user=dict(by_user), skipped=dict(skipped))


def import_ratings(
    store: MemoryStore,
    index: CatalogIndex,
    ratings: RatingsFile,
    *,
    user_prefix: str = "",
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Every user's ratings become their interaction memories; returns (written, skipped unknown items)."""
    written = unknown = 0
    for user, interactions in ratings.by_user.items():
        user_id = f"{user_prefix}{user}"
        done, skipped = record_interactions(store, index, user_id, interactions, skip_unknown=True)
        written += done
        unknown += skipped
        if progress is not None:
            progress(1)
    return written, unknown
