"""The model-free ``vote`` strategy: the user's own past labels, weighted by how similar each item is.

LaMP-2/3: every profile item votes for its category, tag or score with its similarity to the
question. LaMP-1 has no labels in the profile (it holds the author's papers): each candidate
reference gets the summed similarity of the k profile papers closest to it, and the closer one wins.
"""

from __future__ import annotations

from tools.profile_vote import label_scores, weighted_vote

from .retrieval import ProfileIndex
from .tasks import TaskSpec


def vote(spec: TaskSpec, index: ProfileIndex, k: int) -> str:
    if spec.label_field is not None:
        labelled = [(item[spec.label_field].strip(), similarity) for item, similarity in index.similarities()]
        return weighted_vote(labelled) or spec.labels[0]
    candidates = index.question.input.split('"')[1::2][1:3]
    if len(candidates) != len(spec.labels):
        return spec.labels[0]  # not the official LaMP-1 input shape: nothing to compare
    labelled = []
    for label, candidate in zip(spec.labels, candidates, strict=True):
        closest = [similarity for _, similarity in index.similarities(candidate)[:k]]
        labelled.append((label, sum(closest)))
    return weighted_vote(labelled) or spec.labels[0]


VOTE_SMOOTHING = 0.1  # share given to every label, so one profile can rule a label out only softly


def vote_shares(spec: TaskSpec, index: ProfileIndex) -> list[float]:
    """The vote as a distribution over ``spec.labels``: similarity-weighted, smoothed, summing to 1."""
    assert spec.label_field is not None
    totals = label_scores((item[spec.label_field].strip(), similarity) for item, similarity in index.similarities())
    raw = [totals.get(label, 0.0) for label in spec.labels]
    whole = sum(raw) or 1.0
    smoothed = [(1 - VOTE_SMOOTHING) * value / whole + VOTE_SMOOTHING / len(raw) for value in raw]
    return smoothed
