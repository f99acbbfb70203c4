"""A quality prior: each item's mean rating shrunk towards the catalog mean (a Bayesian average).

An item rated 5.0 by two people is not better than one rated 4.3 by three hundred; shrinking by a
strength of ``m`` pseudo-ratings at the catalog mean keeps the first near the middle. ``m`` defaults
to the mean number of ratings per rated item, so the prior adapts to each catalog's density.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .items import Item

MEAN_KEYS = ("rating_mean", "average_rating", "rating", "score")
COUNT_KEYS = ("rating_count", "ratings", "votes", "popularity")


def bayesian_average(means: np.ndarray, counts: np.ndarray, strength: float | None = None) -> np.ndarray:
    """(m * global + n * mean) / (m + n) per item; items with no ratings (NaN mean) get the global mean."""
    means = np.asarray(means, dtype=float)
    counts = np.where(np.isfinite(means), np.asarray(counts, dtype=float), 0.0)
    rated = counts > 0
    if not rated.any():
        return np.full(len(means), np.nan)
    overall = float(np.sum(np.where(rated, means, 0.0) * counts) / counts.sum())
    m = float(strength) if strength is not None else float(counts[rated].mean())
    return (m * overall + counts * np.where(rated, means, 0.0)) / (m + counts)


def item_ratings(items: Sequence[Item]) -> tuple[np.ndarray, np.ndarray]:
    """(mean rating, rating count) per item from its attributes; NaN and 0 where unknown."""
    means = np.full(len(items), np.nan)
    counts = np.zeros(len(items))
    for position, item in enumerate(items):
        means[position] = _first_number(item.attributes, MEAN_KEYS, np.nan)
        counts[position] = _first_number(item.attributes, COUNT_KEYS, 1.0 if np.isfinite(means[position]) else 0.0)
    return means, counts


def quality_prior(items: Sequence[Item], strength: float | None = None) -> np.ndarray | None:
    """The shrunk mean rating of every item, or None when the catalog has no ratings at all."""
    means, counts = item_ratings(items)
    if not np.isfinite(means).any():
        return None
    return bayesian_average(means, counts, strength)


def _first_number(attributes: dict, keys: Sequence[str], default: float) -> float:
    for key in keys:
        try:
            value = float(attributes[key])
        except (KeyError, TypeError, ValueError):
            continue
        if np.isfinite(value):
            return value
    return default
