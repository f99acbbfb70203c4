"""``rapport eval lamp``: every chosen strategy on one LaMP split, sharing work between strategies.

Per question: the profile goes into the memory store once (as one user's memories; embeddings
batched for the whole split up front), every strategy picks its items from it, and the distinct
prompts are answered in sorted order, so prompts that share a beginning follow each other and the
local model reuses its cached prefix. Answers are cached on disk by model and prompt: a crashed
run, started again with the same ``--out``, redoes nothing it had finished.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from memory.errors import InvalidInputError

from .data import Question, load_split, write_outputs
from .metrics import score
from .predict import DiskCache, Predictor
from .prompting import build_prompt
from .report import write_report
from .retrieval import RETRIEVAL_STRATEGIES, ProfileIndex, item_text
from .summary import Summarizer
from .tasks import TaskSpec, extract_query, get_task
from .vote import blend, vote, vote_shares

if TYPE_CHECKING:
    from agent.llm.base import ChatModel
    from memory import MemoryStore

STRATEGIES = ("none", *RETRIEVAL_STRATEGIES, "summary", "vote", "blend")
MODEL_FREE = {"vote"}


def parse_strategies(text: str, spec: TaskSpec) -> list[str]:
    """One name, a comma list, or ``all`` (every strategy that applies to the task)."""
    applicable = [s for s in STRATEGIES if applies(s, spec)]
    chosen = applicable if text.strip() == "all" else [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in STRATEGIES]
    if unknown or not chosen:
        raise InvalidInputError(
            "--strategy", f"unknown strategy {unknown or text!r}", f"use all or: {', '.join(STRATEGIES)}"
        )
    for strategy in chosen:
        if not applies(strategy, spec):
            tasks = "LaMP_1/2/3" if strategy == "vote" else "LaMP_2/3"
            raise InvalidInputError("--strategy", f"{strategy} needs a labelled task ({tasks}), not {spec.name}")
    return list(dict.fromkeys(chosen))


def applies(strategy: str, spec: TaskSpec) -> bool:
    """``vote`` needs a label list; ``blend`` also needs labels on the profile items (not LaMP-1)."""
    if strategy == "vote":
        return spec.has_labels
    if strategy == "blend":
        return spec.label_field is not None
    return True


def load_model(name: str) -> ChatModel:
    from agent.llm import get_chat_model
    from agent.settings import Settings

    return get_chat_model(Settings(llm_provider=name))  # type: ignore[arg-type]


def run(
    *,
    task: str,
    data: Path,
    split: str,
    strategies: str,
    k: int,
    out: Path,
    limit: int | None = None,
    model: ChatModel | None = None,
    model_name: str = "local",
    store: MemoryStore | None = None,
    progress: bool = True,
) -> dict:
    """Run the evaluation and write predictions, metrics.json, report.md and a plot under ``out``."""
    spec = get_task(task)
    chosen = parse_strategies(strategies, spec)
    if k < 1:
        raise InvalidInputError("--k", f"must be at least 1, got {k}")
    if limit is not None and limit < 1:
        raise InvalidInputError("--limit", f"must be at least 1, got {limit}")
    questions, outputs = load_split(Path(data), split, spec)
    questions = questions[:limit]
    out.mkdir(parents=True, exist_ok=True)
    if store is None:
        from memory import MemoryStore

        store = MemoryStore(path=out / "store")
    needs_model = any(s not in MODEL_FREE for s in chosen)
    if needs_model and model is None:
        model = load_model(model_name)
    cache = DiskCache(out / "cache.sqlite")
    predictor = Predictor(model, spec, cache) if model is not None else None
    summarizer = Summarizer(model, spec, cache) if model is not None and "summary" in chosen else None

    started = time.perf_counter()
    _warm_embeddings(store, spec, questions)
    setup = time.perf_counter() - started
    predictions: dict[str, dict[str, str]] = {s: {} for s in chosen}
    seconds: dict[str, float] = defaultdict(float)
    model_seconds: dict[str, float] = defaultdict(float)
    bar = tqdm(questions, desc=f"{spec.name} x {len(chosen)} strategies", unit="q", disable=not progress)
    for question in bar:
        answers = _answer_question(spec, question, chosen, k, store, predictor, summarizer, seconds, model_seconds)
        for strategy, answer in answers.items():
            predictions[strategy][question.id] = answer
        if predictor is not None:
            bar.set_postfix(model_calls=predictor.model_calls, cached=predictor.cache_hits, refresh=False)
    wall = time.perf_counter() - started
    loop = wall - setup
    cache.close()

    golds = [outputs.golds[q.id] for q in questions]
    results: dict[str, dict[str, float]] = {}
    for strategy in chosen:
        write_outputs(out / f"preds_{strategy}.json", spec.official, predictions[strategy])
        ordered = [predictions[strategy][q.id] for q in questions]
        results[strategy] = {key: round(value, 4) for key, value in score(spec, golds, ordered).items()}
    total_model = sum(model_seconds.values())
    metrics = {
        "task": spec.name,
        "official_task": spec.official,
        "split": split,
        "n": len(questions),
        "k": k,
        "model": predictor.model_name if predictor else None,
        "strategies": results,
        "timing": {
            "wall_s": round(wall, 2),
            "setup_s": round(setup, 2),
            "s_per_example": round(loop / len(questions), 3),
            "s_per_example_per_strategy": round(loop / (len(questions) * len(chosen)), 3),
            "model_s": round(total_model, 2),
            "model_share": round(total_model / loop, 3) if loop else 0.0,
            "model_calls": (predictor.model_calls if predictor else 0) + (summarizer.model_calls if summarizer else 0),
            "cache_hits": predictor.cache_hits if predictor else 0,
            "per_strategy_s": {s: round(seconds[s], 2) for s in chosen},
            "per_strategy_model_s": {s: round(model_seconds[s], 2) for s in chosen},
        },
    }
    write_report(out, metrics)
    return metrics


def _warm_embeddings(store: MemoryStore, spec: TaskSpec, questions: list[Question]) -> None:
    """One batched encode of every profile item and query: the store and searches then hit the cache."""
    texts = [item_text(spec, item) for q in questions for item in q.profile]
    texts += [extract_query(spec, q.input) or q.input for q in questions]
    store.embedder.encode(texts)


def _answer_question(
    spec: TaskSpec,
    question: Question,
    chosen: list[str],
    k: int,
    store: MemoryStore,
    predictor: Predictor | None,
    summarizer: Summarizer | None,
    seconds: dict[str, float],
    model_seconds: dict[str, float],
) -> dict[str, str]:
    clock = time.perf_counter()
    index = ProfileIndex(store, spec, question)
    setup = time.perf_counter() - clock
    answers: dict[str, str] = {}
    prompts: dict[str, str] = {}
    for strategy in chosen:
        clock = time.perf_counter()
        if strategy == "vote":
            answers[strategy] = vote(spec, index, k)
        elif strategy == "blend":
            assert predictor is not None
            before = predictor.model_seconds
            logprobs = predictor.label_logprobs(build_prompt(spec, question.input, index.select("hybrid", k)))
            model_seconds[strategy] += predictor.model_seconds - before
            answers[strategy] = blend(spec, logprobs, vote_shares(spec, index))
        elif strategy == "summary":
            assert summarizer is not None
            before = summarizer.model_seconds
            summary = summarizer.summarize(question.profile)
            model_seconds[strategy] += summarizer.model_seconds - before
            prompts[strategy] = build_prompt(spec, question.input, index.select("hybrid", k), summary)
        else:
            prompts[strategy] = build_prompt(spec, question.input, index.select(strategy, k))
        seconds[strategy] += time.perf_counter() - clock + setup / len(chosen)
    if prompts:
        assert predictor is not None
        sharers: dict[str, list[str]] = defaultdict(list)
        for strategy, prompt in prompts.items():
            sharers[prompt].append(strategy)
        for prompt in sorted(sharers):  # neighbours share prefixes: the model reuses its KV cache
            before = predictor.model_seconds
            clock = time.perf_counter()
            answer = predictor.predict(prompt)
            elapsed, spent = time.perf_counter() - clock, predictor.model_seconds - before
            for strategy in sharers[prompt]:
                answers[strategy] = answer
                seconds[strategy] += elapsed / len(sharers[prompt])
                model_seconds[strategy] += spent / len(sharers[prompt])
    return answers
