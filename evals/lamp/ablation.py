"""The ablation table: each method's gain measured on its own, from the cached model scores (no model calls).

Rows: the model-free votes (own profile; the collaborative retriever's items with and without
neighbours), then every model strategy under each label scoring (prefix or full labels, per-token
means, no / content-free / prior calibration), without and with the profile's label shares, and the
tuned choice. Columns: accuracy (or MAE) on each reported subset; the tuning half is marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from tools.collaborative import label_shares

from .cfrag import CollaborativePool
from .collect import Collected
from .data import Question
from .labels import best_label, combine, label_logprobs, shares_answer
from .metrics import score
from .predict import Predictor
from .tasks import TaskSpec
from .tuning import SCORINGS, Params, uncalibrated
from .vote import VOTE_SMOOTHING

MODEL_ROWS = ("none", "hybrid", "summary", "blend", "cfrag")


def ablation_rows(
    spec: TaskSpec,
    chosen: Sequence[str],
    collected: dict[str, Collected],
    sets: dict[str, list[Question]],
    golds: dict[str, str],
    params: Params,
    predictor: Predictor | None,
    pool: CollaborativePool | None = None,
) -> list[dict[str, object]]:
    """One row per method: its name, what it changes, and its score on every subset."""
    metric = "accuracy" if spec.kind == "classification" else "mae"
    rows: list[dict[str, object]] = []

    def add(method: str, change: str, answer: dict[str, str]) -> None:
        row: dict[str, object] = {"method": method, "change": change}
        for name, members in sets.items():
            row[name] = round(score(spec, [golds[q.id] for q in members], [answer[q.id] for q in members])[metric], 4)
        rows.append(row)

    everyone = sets["full"]
    if "vote" in chosen:
        add("vote", "own 3 profile labels, similarity-weighted (no model)", {q.id: collected[q.id].answers["vote"]
                                                                              for q in everyone})  # fmt: skip
    if predictor is None:
        return rows
    lengths = predictor.full_label_lengths()
    for strategy in (s for s in MODEL_ROWS if s in chosen):
        if not all(strategy in collected[q.id].evidence for q in everyone):
            continue
        evidences = {q.id: collected[q.id].evidence[strategy] for q in everyone}
        if strategy == "cfrag":
            add("cfrag vote", "the collaborative retriever's items vote (no model)",
                {qid: shares_answer(spec, e.shares or []) for qid, e in evidences.items()})  # fmt: skip
            if pool is not None:
                alone = replace(params.retriever, neighbours=0)
                add("cfrag vote", "the same retriever without neighbours (own items only, no model)",
                    {q.id: shares_answer(spec, label_shares(pool.retrieve(q, alone), spec.labels, VOTE_SMOOTHING))
                     for q in everyone})  # fmt: skip
        weight = params.vote_weight.get(strategy, 1.0)
        for scoring in SCORINGS:
            if scoring.calibration != "none" and scoring.labels != "prefix":
                continue  # calibrations are shown on prefix labels, label forms without calibration
            prior = params.prior_for(strategy, scoring)
            if scoring.calibration == "prior" and prior is None:
                continue
            if not all(scoring.labels in e.scores for e in evidences.values()):
                continue
            logprobs = {qid: label_logprobs(e, scoring, lengths, prior) for qid, e in evidences.items()}
            add(strategy, f"model only, {scoring.name()}",
                {qid: best_label(spec, row) for qid, row in logprobs.items()})  # fmt: skip
            if strategy in ("blend", "cfrag"):
                add(strategy, f"{scoring.name()} x label shares^{weight:g}",
                    {qid: best_label(spec, combine(row, evidences[qid].shares, weight))
                     for qid, row in logprobs.items()})  # fmt: skip
        tuned = params.scoring_for(strategy)
        prior = params.prior_for(strategy, tuned)
        if tuned.calibration == "prior" and prior is None:
            tuned = uncalibrated(tuned)
        shares = f" x label shares^{weight:g}" if evidences[everyone[0].id].shares else ""
        add(strategy, f"AS REPORTED: {tuned.name()}" + shares,
            {qid: best_label(spec, combine(label_logprobs(e, tuned, lengths, prior), e.shares,
                                           weight if e.shares else 0.0))
             for qid, e in evidences.items()})  # fmt: skip
    return rows
