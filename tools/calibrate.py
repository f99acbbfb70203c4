"""Calibrated label scores: a model's label prior divided out (Zhao et al., "Calibrate Before Use").

Used by the ``personal_label`` tool and the LaMP evals (``evals/lamp/calibration.py``): one
implementation for both.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def log_normalise(scores: Sequence[float]) -> np.ndarray:
    """Log-probabilities over the given options (a log-softmax)."""
    values = np.asarray(scores, dtype=float)
    return values - np.logaddexp.reduce(values)


def calibrate(scores: Sequence[float], prior: Sequence[float] | None, strength: float = 1.0) -> np.ndarray:
    """Label log-probabilities with ``prior`` (to the power ``strength``) divided out, renormalised.

    Why a strength: when the content-free prompt keeps the user's labelled items (LaMP), its "prior"
    also holds the profile's evidence; dividing all of it out throws that away too.
    """
    values = log_normalise(scores)
    if prior is None:
        return values
    return log_normalise(values - strength * log_normalise(prior))
