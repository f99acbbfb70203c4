"""``rapport eval lamp``: every chosen strategy on one LaMP split, tuned only where it is allowed to be.

Per question: the profile goes into the memory store once (as one user's memories; embeddings
batched for the whole split up front), every strategy picks its items from it, and the model's
label scores are cached on disk by model and prompt: a crashed run, started again with the same
``--out``, redoes nothing it had finished. Answers come after all questions are scored, from the
tuned scoring (``tuning.py``): with ``--tune half`` that is tuned on the tuning half of this file and
the held-out half is reported apart; otherwise it comes from ``evals/lamp/tuned/<task>.json``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from memory.errors import InvalidInputError

from .ablation import ablation_rows
from .calibration import Scoring
from .cfrag import CollaborativePool, tune_cfrag_retriever
from .collect import Collected, Collector
from .data import Question, load_split, write_outputs
from .labels import best_label, combine, label_logprobs, variants
from .metrics import own_label_ceiling, score
from .predict import DiskCache, Predictor
from .report import write_report
from .retrieval import RETRIEVAL_STRATEGIES, item_text
from .summary import Summarizer, candidates
from .tasks import TaskSpec, extract_query, get_task
from .tuning import SCORINGS, Params, estimate_priors, load_params, save_params, split_halves, tune_scoring

if TYPE_CHECKING:
    from agent.llm.base import ChatModel
    from memory import MemoryStore

STRATEGIES = ("none", *RETRIEVAL_STRATEGIES, "summary", "vote", "blend", "cfrag")
MODEL_FREE = {"vote"}
WITH_SHARES = {"blend", "cfrag"}  # strategies that multiply the model's distribution by label shares
TUNE_MODES = ("none", "half")
FULLY_SEARCHED = {"hybrid", "blend"}  # blend reads hybrid's prompt: the same model calls


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
    """``vote`` needs a label list; ``blend`` and ``cfrag`` also need labels on the profile items (not LaMP-1)."""
    if strategy == "vote":
        return spec.has_labels
    if strategy in WITH_SHARES:
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
    tune: str = "none",
    params_path: Path | None = None,
    ablation: bool = False,
) -> dict:
    """Run the evaluation and write predictions, metrics.json, report.md and a plot under ``out``."""
    spec = get_task(task)
    chosen = parse_strategies(strategies, spec)
    if k < 1:
        raise InvalidInputError("--k", f"must be at least 1, got {k}")
    if limit is not None and limit < 1:
        raise InvalidInputError("--limit", f"must be at least 1, got {limit}")
    if tune not in TUNE_MODES:
        raise InvalidInputError("--tune", f"unknown mode {tune!r}", "use none or half")
    if tune == "half" and params_path is not None:
        raise InvalidInputError("--params", "cannot be combined with --tune half", "tune here, or bring parameters")
    questions, outputs = load_split(Path(data), split, spec)
    questions = questions[:limit]
    golds = {q.id: outputs.golds[q.id] for q in questions}
    halves = split_halves(questions) if tune == "half" else None
    if halves is not None and (not halves["tune"] or not halves["held"]):
        raise InvalidInputError("--tune", f"half needs questions in both halves, {len(questions)} is too few")
    params = Params(tuned_on=_tuned_on(spec, data, split, halves)) if halves else load_params(spec, params_path)
    out.mkdir(parents=True, exist_ok=True)
    if store is None:
        from memory import MemoryStore

        store = MemoryStore(path=out / "store")
    if any(s not in MODEL_FREE for s in chosen) and model is None:
        model = load_model(model_name)
    cache = DiskCache(out / "cache.sqlite")
    predictor = Predictor(model, spec, cache) if model is not None else None
    summarizer = Summarizer(model, spec, cache) if model is not None and "summary" in chosen else None

    started = time.perf_counter()
    _warm_embeddings(store, spec, questions)
    pool = CollaborativePool(store.embedder, spec, questions) if "cfrag" in chosen else None
    if pool is not None and halves is not None:
        params.retriever, params.evidence["retriever"] = tune_cfrag_retriever(spec, pool, halves["tune"], golds)
    setup = time.perf_counter() - started
    searching = halves is not None or ablation
    keys = {s: variants(_searched(s) if searching else {params.scoring_for(s)}) for s in chosen}
    collector = Collector(spec, store, k, params, keys, predictor, summarizer, pool)

    first = [s for s in chosen if s != "summary"]
    collected = _collect(collector, questions, first, f"{spec.name} x {len(first)} strategies", progress)
    if halves is not None:
        _tune_scorings(spec, params, predictor, collected, halves["tune"], golds, first)
    if "summary" in chosen:
        prompt = _summary_prompt(spec, params, collector, predictor, halves, golds, progress)
        for qid, extra in _collect(collector, questions, ["summary"], "summary", progress, prompt).items():
            collected[qid].evidence.update(extra.evidence)
            collected[qid].answers.update(extra.answers)
    wall = time.perf_counter() - started
    cache.close()

    predictions = {s: {q.id: _answer(spec, s, collected[q.id], params, predictor) for q in questions} for s in chosen}
    sets = {"full": questions} | ({"held": halves["held"], "tune": halves["tune"]} if halves else {})
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name, members in sets.items():
        results[name] = {
            s: _scores(spec, [golds[q.id] for q in members], [predictions[s][q.id] for q in members]) for s in chosen
        }
    for strategy in chosen:
        write_outputs(out / f"preds_{strategy}.json", spec.official, predictions[strategy])
    if halves is not None:
        save_params(out / "tuned.json", params)
    n = len(questions)
    metrics = {
        "task": spec.name,
        "official_task": spec.official,
        "split": split,
        "n": n,
        "k": k,
        "model": predictor.model_name if predictor else None,
        "strategies": results["full"],
        "subsets": {name: {"n": len(sets[name]), "strategies": results[name]} for name in sets if name != "full"},
        "own_label_ceiling": {name: own_label_ceiling(spec, members, golds) for name, members in sets.items()},
        "tuned_on": params.tuned_on,
        "params": params.to_json() | {"evidence": "see tuned.json"} if halves else params.to_json(),
        "ablation": ablation_rows(spec, chosen, collected, sets, golds, params, predictor, pool) if ablation else [],
        "timing": _timing(wall, setup, n, chosen, collector, predictor, summarizer),
    }
    write_report(out, metrics)
    return metrics


def _searched(strategy: str) -> tuple[Scoring, ...]:
    """The scorings tuning compares: every label form for ``hybrid`` (the ablation's reference); prefix labels
    for ``cfrag`` and ``summary`` (a full label costs a decode per label; on LaMP-2N full sums rank as the
    prefixes do); for the other baselines also no content-free prompt (the prior costs no model call)."""
    if strategy in FULLY_SEARCHED:
        return SCORINGS
    prefix = tuple(s for s in SCORINGS if s.labels == "prefix")
    if strategy in ("cfrag", "summary", "none"):  # none: a short prompt, and the clearest case of a label prior
        return prefix
    return tuple(s for s in prefix if s.calibration != "content-free")


def _tuned_on(spec: TaskSpec, data: Path, split: str, halves: dict[str, list[Question]] | None) -> str:
    assert halves is not None
    return (
        f"{spec.name} {Path(data).name}/{split}: tuning half ({len(halves['tune'])} questions, by a hash of the id); "
        f"the held-out half ({len(halves['held'])}) never seen by tuning"
    )


def _warm_embeddings(store: MemoryStore, spec: TaskSpec, questions: list[Question]) -> None:
    """One batched encode of every profile item and query: the store and searches then hit the cache."""
    texts = [item_text(spec, item) for q in questions for item in q.profile]
    texts += [extract_query(spec, q.input) or q.input for q in questions]
    store.embedder.encode(texts)


def _collect(
    collector: Collector,
    questions: list[Question],
    strategies: list[str],
    label: str,
    progress: bool,
    summary_prompt: object = None,
) -> dict[str, Collected]:
    found: dict[str, Collected] = {}
    bar = tqdm(questions, desc=label, unit="q", disable=not progress)
    for question in bar:
        found[question.id] = collector.question(question, strategies, summary_prompt)  # type: ignore[arg-type]
        if collector.predictor is not None:
            bar.set_postfix(model_calls=collector.predictor.model_calls, cached=collector.predictor.cache_hits,
                            refresh=False)  # fmt: skip
    return found


def _tune_scorings(
    spec: TaskSpec,
    params: Params,
    predictor: Predictor | None,
    collected: dict[str, Collected],
    tune_set: list[Question],
    golds: dict[str, str],
    strategies: list[str],
) -> None:
    """Each model strategy's scoring (and label-share weight), chosen on the tuning half only."""
    if predictor is None:
        return
    lengths = predictor.full_label_lengths()
    for strategy in strategies:
        scored = [q for q in tune_set if strategy in collected[q.id].evidence]
        if not scored:
            continue
        evidences = [collected[q.id].evidence[strategy] for q in scored]
        params.priors.update(estimate_priors(strategy, evidences, lengths))
        scoring, weight, table = tune_scoring(
            spec, strategy, evidences, [golds[q.id] for q in scored], lengths, params.priors,
            with_vote=strategy in WITH_SHARES,
        )  # fmt: skip
        params.scoring[strategy] = scoring
        if strategy in WITH_SHARES:
            params.vote_weight[strategy] = weight
        params.evidence[f"scoring/{strategy}"] = table


def _summary_prompt(
    spec: TaskSpec,
    params: Params,
    collector: Collector,
    predictor: Predictor | None,
    halves: dict[str, list[Question]] | None,
    golds: dict[str, str],
    progress: bool,
) -> object:
    """The summary prompt to use: chosen by downstream accuracy on the tuning half, else the kept one."""
    found = candidates(spec)
    if halves is None or predictor is None or not spec.has_labels:
        return found.get(params.summary_prompt or "", next(iter(found.values())))
    best: tuple[float, str] | None = None
    tried: dict[str, float] = {}
    for name, prompt in found.items():
        part = _collect(collector, halves["tune"], ["summary"], f"summary prompt {name!r} on the tuning half",
                        progress, prompt)  # fmt: skip
        scored = [q for q in halves["tune"] if "summary" in part[q.id].evidence]
        if not scored:
            continue
        lengths = predictor.full_label_lengths()
        evidences = [part[q.id].evidence["summary"] for q in scored]
        priors = estimate_priors("summary", evidences, lengths)
        scoring, _, table = tune_scoring(
            spec, "summary", evidences, [golds[q.id] for q in scored], lengths, priors, with_vote=False
        )
        value = max(table.values())
        tried[name] = value
        if best is None or value > best[0] + 1e-12:
            best = (value, name)
            params.scoring["summary"] = scoring
            params.priors.update(priors)
            params.evidence["scoring/summary"] = table
    if best is None:
        return next(iter(found.values()))
    params.summary_prompt = best[1]
    params.evidence["summary_prompts"] = tried
    return found[best[1]]


def _answer(spec: TaskSpec, strategy: str, collected: Collected, params: Params, predictor: Predictor | None) -> str:
    if strategy in collected.answers:
        return collected.answers[strategy]
    assert predictor is not None
    evidence = collected.evidence[strategy]
    scoring: Scoring = params.scoring_for(strategy)
    prior = params.prior_for(strategy, scoring)
    if scoring.calibration == "prior" and prior is None:
        scoring = Scoring(labels=scoring.labels, length_norm=scoring.length_norm)  # no prior for this strategy
    logprobs = label_logprobs(evidence, scoring, predictor.full_label_lengths(), prior)
    return best_label(spec, combine(logprobs, evidence.shares, params.vote_weight.get(strategy, 1.0)))


def _scores(spec: TaskSpec, golds: list[str], preds: list[str]) -> dict[str, float]:
    return {key: round(value, 4) for key, value in score(spec, golds, preds).items()}


def _timing(
    wall: float,
    setup: float,
    n: int,
    chosen: list[str],
    collector: Collector,
    predictor: Predictor | None,
    summarizer: Summarizer | None,
) -> dict:
    loop = wall - setup
    total_model = sum(collector.model_seconds.values())
    return {
        "wall_s": round(wall, 2),
        "setup_s": round(setup, 2),
        "s_per_example": round(loop / n, 3),
        "s_per_example_per_strategy": round(loop / (n * len(chosen)), 3),
        "model_s": round(total_model, 2),
        "model_share": round(min(total_model / loop, 1.0), 3) if loop else 0.0,
        "model_calls": (predictor.model_calls if predictor else 0) + (summarizer.model_calls if summarizer else 0),
        "cache_hits": (predictor.cache_hits if predictor else 0) + (summarizer.cache_hits if summarizer else 0),
        "per_strategy_s": {s: round(collector.seconds[s], 2) for s in chosen},
        "per_strategy_model_s": {s: round(collector.model_seconds[s], 2) for s in chosen},
        "s_per_question": {s: round(collector.seconds[s] / n, 3) for s in chosen},
    }
