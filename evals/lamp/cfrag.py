"""The ``cfrag`` strategy's item pool: every user of a split, their labelled profile items and profile vectors.

Each question's profile is one user (LaMP profiles are public items a user labelled: articles with
their category, movies with a tag, reviews with a score, so the sharing rule of
``tools.collaborative`` allows them). For a question, the users with the closest profile vectors
contribute their items and ``tools.collaborative.retrieve`` ranks own and neighbours' items for the
input and the user. The question's own input is never evidence: an item whose text is the input (the
same article in another question's profile, as happens in the shared dev file) or nearly so is left out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from memory.embedder import Embedder
from tools.collaborative import (
    Candidates,
    LabelledItem,
    RetrieverWeights,
    Scored,
    candidates,
    label_shares,
    nearest_users,
    normalise,
    profile_vector,
    rank,
    unit,
)

from .data import Question
from .labels import shares_answer
from .retrieval import item_text
from .tasks import TaskSpec, extract_query
from .tuning import tune_retriever
from .vote import VOTE_SMOOTHING

MAX_NEIGHBOURS = 64
SAME_TEXT_COSINE = 0.97  # an item at least this close to the input is taken for the input itself


class CollaborativePool:
    """The split's users and items, embedded once (the embedder caches every text)."""

    def __init__(self, embedder: Embedder, spec: TaskSpec, questions: Sequence[Question]) -> None:
        if spec.label_field is None:
            raise ValueError(f"{spec.name} profiles carry no labels: collaborative retrieval needs them")
        self.spec = spec
        self.embedder = embedder
        texts = [item_text(spec, item) for q in questions for item in q.profile]
        queries = [self.query(q) for q in questions]
        vectors = unit(np.asarray(embedder.encode(texts + queries), dtype=float))
        self.items: dict[str, list[LabelledItem]] = {}
        position = 0
        for question in questions:
            own = []
            for item in question.profile:
                label = item[spec.label_field].strip()
                own.append(LabelledItem(texts[position], label, question.id, vectors[position], source=item))
                position += 1
            self.items[question.id] = own
        self.query_vectors = {q.id: vectors[len(texts) + i] for i, q in enumerate(questions)}
        self.user_vectors = {qid: profile_vector(items) for qid, items in self.items.items()}
        self._ranked: dict[str, list[tuple[str, float]]] = {}
        self._candidates: dict[str, Candidates] = {}

    def query(self, question: Question) -> str:
        return extract_query(self.spec, question.input) or question.input

    def retrieve(self, question: Question, weights: RetrieverWeights) -> list[Scored]:
        """Own and neighbours' items for this question, best first, without the question's own input."""
        return rank(self.candidates(question), weights)

    def candidates(self, question: Question) -> Candidates:
        """Every candidate of this question up to ``MAX_NEIGHBOURS`` users away (computed once: tuning asks often)."""
        if question.id not in self._candidates:
            neighbours = [(self._not_the_input(qid, question), sim) for qid, sim in self._neighbours(question.id)]
            self._candidates[question.id] = candidates(
                self.query_vectors[question.id],
                self.items[question.id],
                neighbours,
                exclude=frozenset({normalise(self.query(question))}),
            )
        return self._candidates[question.id]

    def _neighbours(self, qid: str) -> list[tuple[str, float]]:
        """Every other user, closest profile first (computed once per user: tuning asks many times)."""
        if qid not in self._ranked:
            others = {other: vector for other, vector in self.user_vectors.items() if other != qid}
            self._ranked[qid] = nearest_users(self.user_vectors[qid], others, MAX_NEIGHBOURS)
        return self._ranked[qid]

    def _not_the_input(self, owner: str, question: Question) -> list[LabelledItem]:
        query, text = self.query_vectors[question.id], normalise(self.query(question))
        return [
            item
            for item in self.items[owner]
            if float(item.vector @ query) < SAME_TEXT_COSINE and text not in normalise(item.text)
        ]


def tune_cfrag_retriever(
    spec: TaskSpec, pool: CollaborativePool, tune_set: Sequence[Question], golds: dict[str, str]
) -> tuple[RetrieverWeights, dict[str, float]]:
    """The retriever weights whose retrieved items vote best on the tuning questions (no model calls)."""

    def vote(question: Question, weights: RetrieverWeights) -> str:
        return shares_answer(spec, label_shares(pool.retrieve(question, weights), spec.labels, VOTE_SMOOTHING))

    return tune_retriever(spec, tune_set, [golds[q.id] for q in tune_set], vote)
