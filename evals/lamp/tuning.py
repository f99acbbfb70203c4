"""Everything tuned, and where it was tuned: never on the questions a number is reported for.

``--tune half`` splits a file by a hash of each question id into a tuning half and a held-out half
(fixed: the same ids fall the same way in every run and every file), tunes on the tuning half
only, and reports the held-out half and the full file. Without it, the parameters come from
``evals/lamp/tuned/<task>.json`` (tuned that way on the shared dev file's tuning half) or the
defaults, so a new file is scored with nothing tuned on it at all.

What is tuned: the collaborative retriever's weights (by the accuracy of its retrieved items' vote,
no model calls), each model strategy's label scoring (calibration, label form, length
normalisation) and the weight of the profile's own labels (from the cached model scores), and the
profile-summary prompt (by the ``summary`` strategy's downstream accuracy).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from memory.errors import InvalidInputError
from tools.collaborative import RetrieverWeights

from .calibration import LABEL_FORMS, Scoring, prior_from
from .data import Question
from .labels import Evidence, best_label, combine, label_logprobs
from .metrics import score
from .tasks import TaskSpec

TUNED_DIR = Path(__file__).parent / "tuned"
HALVES = ("tune", "held")
VOTE_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)
RETRIEVER_GRID = {
    "neighbours": (0, 4, 8, 16, 32),
    "user_weight": (0.0, 0.25, 0.5, 1.0),
    "own_bonus": (0.0, 0.1, 0.2, 0.4),
    "owner_weight": (0.0,),
    "k": (3, 5, 8, 12, 20),
}
STRENGTHS = (0.25, 0.5, 0.75, 1.0)
# Simplest first: on a tie the earlier (simpler) scoring wins.
SCORINGS = tuple(
    Scoring(labels=form, length_norm=norm, calibration=calibration, strength=strength)
    for calibration, strengths in (("none", (1.0,)), ("content-free", STRENGTHS), ("prior", STRENGTHS))
    for strength in strengths
    for form, norm in (("prefix", False), ("full", False), ("full", True))
)
assert {s.labels for s in SCORINGS} == set(LABEL_FORMS)
# What tuning chooses among: prefix labels only. Full labels are measured (the ablation) but not chosen:
# on the LaMP-2N tuning half a full label's sum ranks as its prefix does, and its per-token mean always
# prefers the multi-token labels (accuracy .03), so searching them only adds chances to fit noise.
TUNABLE = tuple(s for s in SCORINGS if s.labels == "prefix")


def half_of(question_id: str) -> str:
    """``tune`` or ``held``, from a hash of the id: stable across runs, files and orderings."""
    return HALVES[hashlib.sha256(question_id.encode("utf-8")).digest()[0] % 2]


def split_halves(questions: Sequence[Question]) -> dict[str, list[Question]]:
    halves: dict[str, list[Question]] = {name: [] for name in HALVES}
    for question in questions:
        halves[half_of(question.id)].append(question)
    return halves


@dataclass
class Params:
    """The tuned settings of one task, with a line saying where they were tuned."""

    retriever: RetrieverWeights = field(default_factory=RetrieverWeights)
    prompt_k: int = 6  # the collaborative retriever's items shown to the model
    scoring: dict[str, Scoring] = field(default_factory=dict)  # per model strategy; default Scoring()
    vote_weight: dict[str, float] = field(default_factory=lambda: {"blend": 1.0, "cfrag": 1.0})
    priors: dict[str, list[float]] = field(default_factory=dict)  # "<strategy>/<scoring>" -> label log-prior
    summary_prompt: str | None = None  # the candidate profile prompt kept for this task
    tuned_on: str = "defaults (nothing tuned)"
    evidence: dict[str, Any] = field(default_factory=dict)  # tuning-half scores behind each choice

    def scoring_for(self, strategy: str) -> Scoring:
        return self.scoring.get(strategy, Scoring())

    def prior_for(self, strategy: str, scoring: Scoring) -> list[float] | None:
        return self.priors.get(f"{strategy}/{uncalibrated(scoring).name()}")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["scoring"] = {name: s.as_dict() for name, s in self.scoring.items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], where: str) -> Params:
        try:
            return cls(
                retriever=RetrieverWeights(**data.get("retriever", {})),
                prompt_k=int(data.get("prompt_k", 6)),
                scoring={name: Scoring(**value) for name, value in data.get("scoring", {}).items()},
                vote_weight={name: float(value) for name, value in data.get("vote_weight", {}).items()},
                priors={name: [float(v) for v in value] for name, value in data.get("priors", {}).items()},
                summary_prompt=data.get("summary_prompt"),
                tuned_on=str(data.get("tuned_on", "")),
                evidence=dict(data.get("evidence", {})),
            )
        except (TypeError, ValueError) as error:
            raise InvalidInputError(
                where, f"is not a tuned-parameters file: {error}", "rerun with --tune half"
            ) from None


def uncalibrated(scoring: Scoring) -> Scoring:
    return replace(scoring, calibration="none", strength=1.0)


def load_params(spec: TaskSpec, path: Path | None = None) -> Params:
    """Parameters from ``path``, else the task's shipped file, else the defaults."""
    path = path or TUNED_DIR / f"{spec.name}.json"
    if not path.is_file():
        if path.parent != TUNED_DIR:
            raise InvalidInputError("--params", f"{path} does not exist", "give a tuned.json written by --tune half")
        return Params()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise InvalidInputError(str(path), f"cannot be read as JSON: {error}") from None
    return Params.from_json(data, str(path))


def save_params(path: Path, params: Params) -> None:
    path.write_text(json.dumps(params.to_json(), indent=1) + "\n", encoding="utf-8")


def objective(spec: TaskSpec, golds: Sequence[str], preds: Sequence[str]) -> float:
    """Higher is better: accuracy for classification, minus MAE for ratings."""
    result = score(spec, golds, preds)
    return result["accuracy"] if "accuracy" in result else -result["mae"]


def tune_retriever(
    spec: TaskSpec,
    questions: Sequence[Question],
    golds: Sequence[str],
    vote: Callable[[Question, RetrieverWeights], str],
) -> tuple[RetrieverWeights, dict[str, float]]:
    """The grid point whose retrieved items' vote scores best on ``questions`` (a tuning split)."""
    best: tuple[float, RetrieverWeights] | None = None
    tried: dict[str, float] = {}
    names = list(RETRIEVER_GRID)
    for values in itertools.product(*(RETRIEVER_GRID[name] for name in names)):
        weights = RetrieverWeights(**dict(zip(names, values, strict=True)))
        if weights.neighbours == 0 and weights.owner_weight:
            continue  # no neighbours: the owner weight changes nothing
        value = objective(spec, golds, [vote(question, weights) for question in questions])
        tried[json.dumps(asdict(weights))] = round(value, 4)
        if best is None or value > best[0] + 1e-12:
            best = (value, weights)
    assert best is not None
    top = dict(sorted(tried.items(), key=lambda pair: pair[1], reverse=True)[:10])
    return best[1], top


def estimate_priors(strategy: str, evidences: Sequence[Evidence], lengths: Sequence[int]) -> dict[str, list[float]]:
    """Each uncalibrated scoring's mean label distribution over a tuning split's prompts (no golds used)."""
    priors = {}
    for scoring in {uncalibrated(s) for s in SCORINGS}:
        if all(scoring.labels in e.scores for e in evidences) and evidences:
            rows = [label_logprobs(e, scoring, lengths).tolist() for e in evidences]
            priors[f"{strategy}/{scoring.name()}"] = prior_from(rows).tolist()
    return priors


def tune_scoring(
    spec: TaskSpec,
    strategy: str,
    evidences: Sequence[Evidence],
    golds: Sequence[str],
    lengths: Sequence[int],
    priors: dict[str, list[float]],
    *,
    with_vote: bool,
) -> tuple[Scoring, float, dict[str, float]]:
    """The scoring (and, for strategies with label shares, the vote weight) best on a tuning split."""
    weights = VOTE_WEIGHTS if with_vote else (0.0,)
    tried: dict[str, float] = {}
    best: tuple[float, Scoring, float] | None = None
    for scoring in TUNABLE:
        needed = {scoring.labels} | ({scoring.labels + "_cf"} if scoring.calibration == "content-free" else set())
        if not all(needed <= set(e.scores) for e in evidences):
            continue
        prior = priors.get(f"{strategy}/{uncalibrated(scoring).name()}")
        if scoring.calibration == "prior" and prior is None:
            continue
        rows = [label_logprobs(e, scoring, lengths, prior) for e in evidences]
        for weight in weights:
            preds = [best_label(spec, combine(row, e.shares, weight)) for row, e in zip(rows, evidences, strict=True)]
            value = objective(spec, golds, preds)
            tried[f"{scoring.name()} vote_weight={weight:g}"] = round(value, 4)
            if best is None or value > best[0] + 1e-12:
                best = (value, scoring, weight)
    if best is None:
        raise InvalidInputError("tuning split", f"has no model scores for {strategy}", "run with a model that scores")
    return best[1], best[2], tried
