"""A model-free profile vote: the label that the user's most similar past items carry, weighted by similarity.

Why: when a user labels things consistently (a reader's news categories, a reviewer's ratings),
their own past labels predict the next one well, with no language model at all. On LaMP-2 news the
plain majority of the profile labels scores .72 accuracy. The same function ranks labels for the
agent as a tool, over memories that carry a label in their metadata.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from .context import ToolContext
from .registry import tool


def label_scores(labelled: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Sum of similarity per label, best first; negative similarities count as 0 (no evidence, not counter-evidence).

    A small constant per vote keeps counting votes when every similarity is 0.
    """
    totals: dict[str, float] = {}
    for label, similarity in labelled:
        totals[label] = totals.get(label, 0.0) + max(similarity, 0.0) + 1e-6
    return dict(sorted(totals.items(), key=lambda pair: pair[1], reverse=True))


def weighted_vote(labelled: Iterable[tuple[str, float]]) -> str | None:
    """The winning label (ties go to the label seen first, i.e. the most similar item's); None without votes."""
    pairs = list(labelled)
    scores = label_scores(pairs)
    if not scores:
        return None
    best = max(scores.values())
    return next(label for label, _ in pairs if scores[label] == best)


class ProfileVoteArgs(BaseModel):
    query: str = Field(min_length=1, description="The item to label, e.g. an article's text.")
    label_key: str = Field(default="label", min_length=1, description="Memory metadata key that holds the label.")
    k: int = Field(default=10, ge=1, le=100, description="How many of the most similar memories vote.")


@tool(
    "profile_vote",
    "Guess the label the user would give an item from the labels of their most similar past items.",
    ProfileVoteArgs,
)
def profile_vote(context: ToolContext, args: ProfileVoteArgs) -> dict[str, object]:
    hits = context.store.search(context.user_id, args.query, k=args.k, mode="dense")
    labelled = [
        (str(hit.memory.metadata[args.label_key]), hit.score) for hit in hits if args.label_key in hit.memory.metadata
    ]
    scores = label_scores(labelled)
    return {"label": weighted_vote(labelled), "scores": {label: round(value, 4) for label, value in scores.items()}}
