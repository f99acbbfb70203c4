"""Leave-last-out split of a MovieLens-format folder: each user's last positive rating by time is the test item."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from memory.errors import InvalidInputError
from tools.interactions import LIKE_RATING, Interaction, read_ratings
from tools.items import LoadReport, load_movielens_items

MIN_RATINGS = 5


@dataclass
class TestCase:
    user: str
    train: list[Interaction]  # oldest first, everything the user rated except the held-out item
    held_out: str


@dataclass
class Split:
    catalog: LoadReport
    train_by_user: dict[str, list[Interaction]]  # every user's training interactions (for co-occurrence)
    cases: list[TestCase]
    unknown_items: int


def leave_last_out(data: Path, *, users: int | None = None, seed: int = 0) -> Split:
    """Hold out each eligible user's last rating >= 4 (ties in time: the later row); ``users`` samples N of them."""
    data = Path(data)
    if not data.is_dir():
        raise InvalidInputError("--data", f"{data} is not a folder", "pass a MovieLens folder with movies.csv")
    if users is not None and users < 1:
        raise InvalidInputError("--users", f"must be at least 1, got {users}")
    catalog = load_movielens_items(data)
    known = {item.id for item in catalog.items}
    ratings = read_ratings(data / "ratings.csv")
    unknown = 0
    train_by_user: dict[str, list[Interaction]] = {}
    cases: list[TestCase] = []
    for user, interactions in ratings.by_user.items():
        kept = [i for i in interactions if i.item_id in known]
        unknown += len(interactions) - len(kept)
        ordered = sorted(enumerate(kept), key=lambda pair: (pair[1].timestamp, pair[0]))
        history = [interaction for _, interaction in ordered]
        train_by_user[user] = history
        if len({i.item_id for i in history}) < MIN_RATINGS:
            continue
        positives = [n for n, i in enumerate(history) if (i.rating or 0) >= LIKE_RATING]
        if not positives:
            continue
        held = history[positives[-1]].item_id
        train = [i for i in history if i.item_id != held]
        train_by_user[user] = train
        cases.append(TestCase(user=user, train=train, held_out=held))
    if not cases:
        raise InvalidInputError("--data", f"no user in {data} has {MIN_RATINGS}+ ratings with one >= {LIKE_RATING:g}")
    if users is not None and users < len(cases):
        chosen = set(random.Random(seed).sample(range(len(cases)), users))
        cases = [case for n, case in enumerate(cases) if n in chosen]
    return Split(catalog=catalog, train_by_user=train_by_user, cases=cases, unknown_items=unknown)
