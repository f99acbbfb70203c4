"""Per question and strategy: the items it picks and what the model says about them.

Labelled tasks give ``Evidence`` (option scores, cached), turned into answers later by the tuned
scoring; generation tasks and models that cannot score give the answer itself. Each strategy's
seconds (its retrieval, its model calls) are counted, so the report can say what each one costs.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from memory import MemoryStore
from memory.profile import SummaryPrompt
from tools.collaborative import label_shares

from .cfrag import CollaborativePool
from .data import Question
from .labels import Evidence, gather
from .predict import Predictor
from .prompting import build_prompt
from .retrieval import ProfileIndex
from .summary import Summarizer
from .tasks import TaskSpec
from .tuning import Params
from .vote import VOTE_SMOOTHING, vote, vote_shares


@dataclass
class Collected:
    evidence: dict[str, Evidence] = field(default_factory=dict)  # labelled tasks with a scoring model
    answers: dict[str, str] = field(default_factory=dict)  # model-free strategies, generation, no-score fallback


class Collector:
    """Runs the strategies on one question at a time; ``keys`` are the score variants to ask for, per strategy."""

    def __init__(
        self,
        spec: TaskSpec,
        store: MemoryStore,
        k: int,
        params: Params,
        keys: dict[str, set[str]],
        predictor: Predictor | None = None,
        summarizer: Summarizer | None = None,
        pool: CollaborativePool | None = None,
    ) -> None:
        self.spec, self.store, self.k, self.params, self.keys = spec, store, k, params, keys
        self.predictor, self.summarizer, self.pool = predictor, summarizer, pool
        self.seconds: dict[str, float] = defaultdict(float)
        self.model_seconds: dict[str, float] = defaultdict(float)

    def question(
        self, question: Question, strategies: list[str], summary_prompt: SummaryPrompt | None = None
    ) -> Collected:
        clock = time.perf_counter()
        index = ProfileIndex(self.store, self.spec, question)
        setup = (time.perf_counter() - clock) / max(len(strategies), 1)
        collected = Collected()
        for strategy in strategies:
            clock = time.perf_counter()
            model_before = self._model_seconds()
            self._one(strategy, question, index, collected, summary_prompt)
            self.seconds[strategy] += time.perf_counter() - clock + setup
            self.model_seconds[strategy] += self._model_seconds() - model_before
        return collected

    def _model_seconds(self) -> float:
        return sum(part.model_seconds for part in (self.predictor, self.summarizer) if part is not None)

    def _one(
        self,
        strategy: str,
        question: Question,
        index: ProfileIndex,
        collected: Collected,
        summary_prompt: SummaryPrompt | None,
    ) -> None:
        if strategy == "vote":
            collected.answers[strategy] = vote(self.spec, index, self.k)
            return
        shares = None
        summary = None
        if strategy == "cfrag":
            assert self.pool is not None
            retrieved = self.pool.retrieve(question, self.params.retriever)
            items = [entry.item.source for entry in retrieved[: self.params.prompt_k]]
            shares = label_shares(retrieved, self.spec.labels, VOTE_SMOOTHING)
        elif strategy in ("blend", "summary"):
            items = index.select("hybrid", self.k)
            if strategy == "blend":
                shares = vote_shares(self.spec, index)
            else:
                assert self.summarizer is not None and summary_prompt is not None
                summary = self.summarizer.summarize(question.profile, summary_prompt)
        else:
            items = index.select(strategy, self.k)
        assert self.predictor is not None
        if self.spec.has_labels:
            evidence = gather(self.predictor, self.spec, question.input, items, self.keys[strategy], summary)
            if evidence is not None:
                evidence.shares = shares
                collected.evidence[strategy] = evidence
                return
        collected.answers[strategy] = self.predictor.predict(build_prompt(self.spec, question.input, items, summary))
