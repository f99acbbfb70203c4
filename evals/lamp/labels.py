"""Label evidence for one question and strategy, and the answer it gives under a ``Scoring``.

The model is asked once per prompt and scoring variant (cached on disk); everything after that
(calibration, length normalisation, the weight of the profile's own labels) is arithmetic on the
cached numbers, so tuning and the ablation cost no model calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from tools.calibrate import calibrate, log_normalise

from .calibration import Scoring, content_free_input, per_token
from .predict import Predictor
from .prompting import build_prompt
from .tasks import TaskSpec


@dataclass
class Evidence:
    """What one strategy knows about one question: option scores per variant, and its own label shares."""

    scores: dict[str, list[float]]  # "prefix", "prefix_cf", "full", "full_cf": those that were asked for
    shares: list[float] | None = None  # the profile's labels as a distribution (blend, cfrag), else None


def variants(scorings: Iterable[Scoring]) -> set[str]:
    """The score variants these scorings read."""
    keys: set[str] = set()
    for scoring in scorings:
        keys.add(scoring.labels)
        if scoring.calibration == "content-free":
            keys.add(scoring.labels + "_cf")
    return keys


def gather(
    predictor: Predictor,
    spec: TaskSpec,
    question_input: str,
    items: Sequence[dict[str, str]],
    keys: set[str],
    summary: str | None = None,
) -> Evidence | None:
    """The option scores for ``keys``; None when the model cannot score (the caller answers by generation).

    The content-free prompt keeps the profile items and the instructions and replaces only the
    input's content, so it shares all but its last tokens with the real prompt (the model reuses them).
    """
    prompt = build_prompt(spec, question_input, items, summary)
    free = build_prompt(spec, content_free_input(spec, question_input), items, summary)
    scores: dict[str, list[float]] = {}
    for key in sorted(keys, key=lambda name: (name.endswith("_cf"), name)):  # real prompts first, then free
        form = key.removesuffix("_cf")
        value = predictor.option_scores(free if key.endswith("_cf") else prompt, form)
        if value is None:
            return None
        scores[key] = value
    return Evidence(scores=scores)


def label_logprobs(
    evidence: Evidence, scoring: Scoring, lengths: Sequence[int], prior: Sequence[float] | None = None
) -> np.ndarray:
    """Normalised label log-probabilities under ``scoring`` (``prior``: for ``calibration="prior"``)."""

    def form_scores(key: str) -> np.ndarray:
        raw = evidence.scores[key]
        return per_token(raw, lengths) if scoring.labels == "full" and scoring.length_norm else np.asarray(raw)

    values = form_scores(scoring.labels)
    if scoring.calibration == "content-free":
        return calibrate(values, form_scores(scoring.labels + "_cf"), scoring.strength)
    if scoring.calibration == "prior":
        if prior is None:
            raise ValueError("prior calibration needs a prior estimated on a tuning split")
        return calibrate(values, prior, scoring.strength)
    return log_normalise(values)


def combine(logprobs: np.ndarray, shares: Sequence[float] | None, vote_weight: float) -> np.ndarray:
    """The model's label distribution times the profile's own label shares to the power ``vote_weight``."""
    if shares is None or vote_weight == 0:
        return logprobs
    return logprobs + vote_weight * np.log(np.asarray(shares, dtype=float))


def best_label(spec: TaskSpec, values: Sequence[float]) -> str:
    return spec.labels[int(np.argmax(np.asarray(values)))]


def shares_answer(spec: TaskSpec, shares: Sequence[float]) -> str:
    """The label the shares alone pick (the model-free part of a strategy, for the ablation)."""
    return spec.labels[max(range(len(shares)), key=lambda i: (shares[i], -i))]
