"""Leave-last-out splits: each user's last positive by time is the test item, the one before it validation.

Test: every user with ``MIN_RATINGS``+ distinct items and a positive (rating >= 4, or any
interaction without a rating) holds out their last positive; training is everything else. Validation:
from that training data alone (the test item is gone from everything), each test user holds out their
last remaining positive, i.e. their second-to-last. Every hyperparameter and blend weight is chosen on
validation; the test items are used once, for the final numbers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from memory.errors import InvalidInputError
from tools.interactions import LIKE_RATING, Interaction
from tools.items import LoadReport

from .datasets import Dataset, load_dataset

MIN_RATINGS = 5
COLD_BELOW = 20  # users with fewer training interactions than this are "cold" in the report


@dataclass
class TestCase:
    user: str
    train: list[Interaction]  # oldest first, everything the user rated except the held-out item
    held_out: str

    @property
    def cold(self) -> bool:
        return len(self.train) < COLD_BELOW


@dataclass
class Split:
    catalog: LoadReport
    train_by_user: dict[str, list[Interaction]]  # every user's training interactions (for co-occurrence)
    cases: list[TestCase]
    unknown_items: int
    name: str = "test"
    dataset: str = ""


def is_positive(interaction: Interaction) -> bool:
    return interaction.rating is None or interaction.rating >= LIKE_RATING


def leave_last_out(data: Dataset | Path, *, users: int | None = None, seed: int = 0) -> Split:
    """Hold out each eligible user's last positive (ties in time: the later row); ``users`` samples N of them."""
    dataset = data if isinstance(data, Dataset) else load_dataset(Path(data))
    if users is not None and users < 1:
        raise InvalidInputError("--users", f"must be at least 1, got {users}")
    catalog = dataset.catalog
    known = {item.id for item in catalog.items}
    unknown = 0
    train_by_user: dict[str, list[Interaction]] = {}
    cases: list[TestCase] = []
    for user, interactions in dataset.by_user.items():
        kept = [i for i in interactions if i.item_id in known]
        unknown += len(interactions) - len(kept)
        ordered = sorted(enumerate(kept), key=lambda pair: (pair[1].timestamp, pair[0]))
        history = [interaction for _, interaction in ordered]
        train_by_user[user] = history
        if len({i.item_id for i in history}) < MIN_RATINGS:
            continue
        positives = [n for n, i in enumerate(history) if is_positive(i)]
        if not positives:
            continue
        held = history[positives[-1]].item_id
        train = [i for i in history if i.item_id != held]
        train_by_user[user] = train
        cases.append(TestCase(user=user, train=train, held_out=held))
    if not cases:
        raise InvalidInputError(
            "--data", f"no user in {dataset.name} has {MIN_RATINGS}+ ratings with one >= {LIKE_RATING:g}"
        )
    if users is not None and users < len(cases):
        chosen = set(random.Random(seed).sample(range(len(cases)), users))
        cases = [case for n, case in enumerate(cases) if n in chosen]
    return Split(catalog=catalog, train_by_user=train_by_user, cases=cases, unknown_items=unknown,
                 name="test", dataset=dataset.name)  # fmt: skip


def validation_split(test: Split) -> Split:
    """Each test user's last positive in their training data held out (their second-to-last positive)."""
    train_by_user = dict(test.train_by_user)
    cases: list[TestCase] = []
    for case in test.cases:
        positives = [n for n, i in enumerate(case.train) if is_positive(i)]
        if not positives:
            continue
        held = case.train[positives[-1]].item_id
        train = [i for i in case.train if i.item_id != held]
        if not train:
            continue
        train_by_user[case.user] = train
        cases.append(TestCase(user=case.user, train=train, held_out=held))
    if not cases:
        raise InvalidInputError("--data", "no test user has a second positive to validate on")
    return Split(catalog=test.catalog, train_by_user=train_by_user, cases=cases, unknown_items=test.unknown_items,
                 name="validation", dataset=test.dataset)  # fmt: skip
