"""The model-free ``vote`` strategy: the user's own past labels, weighted by how similar each item is.

LaMP-2/3: every profile item votes for its category, tag or score with its similarity to the
question. LaMP-1 has no labels in the profile (it holds the author's papers): each candidate
reference gets the summed similarity of the k profile papers closest to it, and the closer one wins.
"""

from __future__ import annotations

from tools.profile_vote import weighted_vote

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
