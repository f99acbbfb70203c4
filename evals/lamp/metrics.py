"""The official LaMP metrics, reimplemented without ``evaluate`` (which needs the network).

Rules kept from the official scorer:
- LaMP-1/2: outputs and golds are stripped; an output that is not exactly a label is wrong and is
  no class of its own; macro-F1 averages over the whole label list (a label never predicted and
  never gold counts as F1 = 0, as scikit-learn does with ``labels=`` given).
- LaMP-3: an output that does not parse as a number scores as whichever of 1 and 5 is farther
  from the gold (5 on a tie). Non-finite numbers ("nan", "inf") count as unparseable too, so one
  bad output cannot turn the whole score into NaN.
- LaMP-4..7: ROUGE-1 and ROUGE-L F-measure from ``rouge-score``, no stemming, mean over examples
  (the official bootstrap median agrees within 0.001).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from memory.errors import InvalidInputError

from .data import Question
from .tasks import TaskSpec


def classification_scores(golds: Sequence[str], preds: Sequence[str], labels: Sequence[str]) -> dict[str, float]:
    """Accuracy and macro-F1 over ``labels``."""
    index = {label: i for i, label in enumerate(labels)}
    gold_ids = []
    for gold in golds:
        if gold.strip() not in index:
            raise InvalidInputError("golds", f"{gold!r} is not one of the task's labels", "check the outputs file")
        gold_ids.append(index[gold.strip()])
    pred_ids = [index.get(pred.strip(), -1) for pred in preds]
    pairs = list(zip(gold_ids, pred_ids, strict=True))
    if not pairs:
        raise InvalidInputError("golds", "no examples to score")
    accuracy = sum(g == p for g, p in pairs) / len(pairs)
    f1s = []
    for label in range(len(labels)):
        tp = sum(g == label and p == label for g, p in pairs)
        fp = sum(g != label and p == label for g, p in pairs)
        fn = sum(g == label and p != label for g, p in pairs)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return {"accuracy": accuracy, "f1": sum(f1s) / len(f1s)}


def rating_value(pred: str, gold: float) -> float:
    """A prediction as a number; unparseable text becomes the worse of 1 and 5 for this gold."""
    try:
        value = float(pred.strip())
    except ValueError:
        value = math.nan
    if math.isfinite(value):
        return value
    return 1.0 if abs(1 - gold) > abs(5 - gold) else 5.0


def rating_scores(golds: Sequence[str], preds: Sequence[str]) -> dict[str, float]:
    """MAE and RMSE with the official fallback for unparseable outputs."""
    if not golds:
        raise InvalidInputError("golds", "no examples to score")
    errors = []
    for gold_text, pred in zip(golds, preds, strict=True):
        try:
            gold = float(gold_text.strip())
        except ValueError:
            raise InvalidInputError("golds", f"{gold_text!r} is not a number", "check the outputs file") from None
        errors.append(rating_value(pred, gold) - gold)
    return {
        "mae": sum(abs(e) for e in errors) / len(errors),
        "rmse": math.sqrt(sum(e * e for e in errors) / len(errors)),
    }


def rouge_scores(golds: Sequence[str], preds: Sequence[str]) -> dict[str, float]:
    """Mean ROUGE-1 and ROUGE-L F-measure, no stemming."""
    from rouge_score import rouge_scorer

    if not golds:
        raise InvalidInputError("golds", "no examples to score")
    scorer = rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=False)
    totals = {"rouge1": 0.0, "rougeL": 0.0}
    for gold, pred in zip(golds, preds, strict=True):
        result = scorer.score(gold.strip(), pred.strip())
        for key in totals:
            totals[key] += result[key].fmeasure
    return {key: value / len(golds) for key, value in totals.items()}


def score(spec: TaskSpec, golds: Sequence[str], preds: Sequence[str]) -> dict[str, float]:
    """The task's official metrics for aligned golds and predictions."""
    if len(golds) != len(preds):
        raise InvalidInputError("preds", f"{len(preds)} predictions for {len(golds)} golds")
    if spec.kind == "classification":
        return classification_scores(golds, preds, spec.labels)
    if spec.kind == "rating":
        return rating_scores(golds, preds)
    return rouge_scores(golds, preds)


def score_files(spec: TaskSpec, golds: dict[str, str], preds: dict[str, str]) -> dict[str, float]:
    """Score two id -> output maps that must hold the same ids (checked by the caller)."""
    ids = list(golds)
    return score(spec, [golds[i] for i in ids], [preds[i] for i in ids])


def own_label_ceiling(spec: TaskSpec, questions: Sequence[Question], golds: dict[str, str]) -> float | None:
    """The share of questions whose gold label is among the user's own profile labels.

    No method that picks from the user's own labels (a vote, a blend with them) can score above it;
    a higher score needs evidence from outside the profile. None for tasks whose profiles carry no label.
    """
    if spec.label_field is None or not questions:
        return None
    field = spec.label_field
    inside = sum(golds[q.id].strip() in {item[field].strip() for item in q.profile} for q in questions)
    return inside / len(questions)
