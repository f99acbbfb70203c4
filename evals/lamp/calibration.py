"""Calibrated label scoring: take the model's label prior out, and compare multi-token labels fairly.

A small model prefers some labels whatever the input ("women" and "entertainment" on LaMP-2N), and a
label of several tokens pays for each of them. Two corrections, each switchable so its effect is
measured on its own (the ablation table):

- calibration (Zhao et al., "Calibrate Before Use"): ``content-free`` divides the label probabilities
  by those the same prompt gets when the article is replaced by a content-free input ("N/A"), so the
  profile items stay and only the input's evidence is left; ``prior`` divides by the mean label
  distribution over a tuning split's prompts (no extra model call). ``strength`` (tuned) divides out
  only part of it.
- labels: ``prefix`` scores each label's distinguishing first word (one token for most labels),
  ``full`` the whole label; with ``length_norm`` a full label's log-probability is its mean per token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np

from memory.errors import InvalidInputError
from tools.calibrate import log_normalise

from .tasks import TaskSpec

Calibration = Literal["none", "content-free", "prior"]
LabelForm = Literal["prefix", "full"]
CALIBRATIONS: tuple[Calibration, ...] = ("none", "content-free", "prior")
LABEL_FORMS: tuple[LabelForm, ...] = ("prefix", "full")
CONTENT_FREE = "N/A"


@dataclass(frozen=True)
class Scoring:
    """How label log-probabilities become an answer."""

    labels: LabelForm = "prefix"
    length_norm: bool = False
    calibration: Calibration = "none"
    strength: float = 1.0  # how much of the prior is divided out: 1 is the paper's full calibration

    def __post_init__(self) -> None:
        if self.labels not in LABEL_FORMS:
            raise InvalidInputError("scoring.labels", f"unknown label form {self.labels!r}", "use prefix or full")
        if self.calibration not in CALIBRATIONS:
            raise InvalidInputError(
                "scoring.calibration", f"unknown calibration {self.calibration!r}", f"use {', '.join(CALIBRATIONS)}"
            )
        if not 0.0 <= self.strength <= 1.0:
            raise InvalidInputError("scoring.strength", f"must be between 0 and 1, got {self.strength}")

    def name(self) -> str:
        parts = [self.labels + ("/token" if self.length_norm and self.labels == "full" else "")]
        if self.calibration != "none":
            parts.append(self.calibration + ("" if self.strength == 1.0 else f"^{self.strength:g}"))
        return "+".join(parts)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def content_free_input(spec: TaskSpec, question_input: str) -> str:
    """The question with its content (what follows the task's query marker) replaced by "N/A"."""
    marker = spec.query_marker
    if marker == '"':  # LaMP-1: every quoted string is content
        parts = question_input.split('"')
        return '"'.join(CONTENT_FREE if i % 2 else part for i, part in enumerate(parts))
    at = question_input.find(marker)
    if at < 0:
        return CONTENT_FREE
    return question_input[: at + len(marker)] + " " + CONTENT_FREE


def per_token(scores: Sequence[float], lengths: Sequence[int]) -> np.ndarray:
    """Summed option log-probabilities as means per token (a 3-token label no longer pays 3 times)."""
    return np.asarray(scores, dtype=float) / np.maximum(np.asarray(lengths, dtype=float), 1.0)


def prior_from(rows: Sequence[Sequence[float]]) -> np.ndarray:
    """The mean label distribution (as log-probabilities) over a tuning split's normalised rows."""
    if not rows:
        raise InvalidInputError("tuning split", "is empty", "a prior needs at least one tuning question")
    matrix = np.stack([log_normalise(row) for row in rows])
    return np.logaddexp.reduce(matrix, axis=0) - np.log(len(rows))

