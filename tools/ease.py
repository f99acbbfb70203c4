"""EASE (Steck 2019, "Embarrassingly Shallow Autoencoders"): closed-form item-to-item regression.

Each item's column is predicted from every other item's, ridge-regularised by ``l2``, with the
item itself left out: B = I - P diag(1/diag(P)) where P = (XᵀX + l2·I)⁻¹. A user's score for every
item is their (weighted) history times B, so a new interaction counts at the next request without
a refit; only B, learnt from everyone, ages. The fit inverts an items x items matrix, so it keeps the
``max_items`` most-interacted items with at least ``min_count`` interactions (the rest score the
lowest modelled value): 4,971 of ml-latest-small's 9,742 items, a few seconds on 2 cores.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lapack

from memory.errors import InvalidInputError, RapportError


class EASE:
    """The fitted weights over the modelled items; ``items`` are their catalog positions."""

    def __init__(self, weights: np.ndarray, items: np.ndarray, n_items: int, l2: float) -> None:
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.items = np.asarray(items, dtype=np.int64)
        self.n_items = int(n_items)
        self.l2 = float(l2)
        self._column = np.full(self.n_items, -1, dtype=np.int64)
        self._column[self.items] = np.arange(len(self.items))

    @classmethod
    def fit(cls, matrix: sp.spmatrix, *, l2: float = 300.0, min_count: int = 3, max_items: int = 6000) -> EASE:
        """Fit on a users x items matrix (binary or weighted); ``l2`` > 0 is the ridge strength."""
        if not l2 > 0:
            raise InvalidInputError("l2", f"must be positive, got {l2}")
        if min_count < 1 or max_items < 1:
            raise InvalidInputError("min_count/max_items", "must be at least 1")
        matrix = sp.csc_matrix(matrix, dtype=np.float32)
        counts = np.asarray((matrix != 0).sum(axis=0)).ravel()
        eligible = np.flatnonzero(counts >= min_count)
        if len(eligible) > max_items:
            eligible = np.sort(eligible[np.argsort(-counts[eligible], kind="stable")[:max_items]])
        if len(eligible) == 0:
            raise InvalidInputError("interactions", f"no item has {min_count}+ interactions", "add interactions")
        modelled = matrix[:, eligible]
        gram = (modelled.T @ modelled).toarray().astype(np.float32)
        gram[np.diag_indices_from(gram)] += l2
        precision = _spd_inverse(gram)
        weights = precision / (-np.diag(precision))[None, :]
        weights[np.diag_indices_from(weights)] = 0.0
        return cls(weights, eligible, matrix.shape[1], l2)

    def scores(self, positions: Sequence[int], weights: Sequence[float] | None = None) -> np.ndarray:
        """Every catalog item's score for a history (positions, each weighted); unmodelled items get the minimum."""
        rows, row_weights = self._rows(positions, weights)
        modelled = row_weights @ self.weights[rows] if len(rows) else np.zeros(len(self.items), dtype=np.float32)
        return self._spread(modelled[None, :])[0]

    def score_rows(self, histories: sp.spmatrix) -> np.ndarray:
        """Users x items scores for a users x catalog matrix of history weights (many users at once)."""
        modelled = np.asarray(sp.csr_matrix(histories, dtype=np.float32)[:, self.items] @ self.weights)
        return self._spread(modelled)

    def _spread(self, modelled: np.ndarray) -> np.ndarray:
        floor = modelled.min(axis=1, keepdims=True) if modelled.shape[1] else np.zeros((len(modelled), 1))
        scores = np.repeat(floor.astype(np.float32), self.n_items, axis=1)
        scores[:, self.items] = modelled
        return scores

    def contributions(self, positions: Sequence[int], weights: Sequence[float] | None, target: int) -> np.ndarray:
        """How much each history entry adds to ``target``'s score (0 for unmodelled ones): the reason's evidence."""
        positions = np.asarray(positions, dtype=np.int64)
        weights = np.ones(len(positions), np.float32) if weights is None else np.asarray(weights, np.float32)
        column = self._column[target]
        rows = self._column[positions]
        out = np.zeros(len(positions), dtype=np.float32)
        if column < 0:
            return out
        known = rows >= 0
        out[known] = weights[known] * self.weights[rows[known], column]
        return out

    def _rows(self, positions: Sequence[int], weights: Sequence[float] | None) -> tuple[np.ndarray, np.ndarray]:
        positions = np.asarray(positions, dtype=np.int64)
        weights = np.ones(len(positions), np.float32) if weights is None else np.asarray(weights, np.float32)
        rows = self._column[positions] if len(positions) else positions
        known = rows >= 0
        return rows[known], weights[known]

    def save(self, path: Path, item_ids: Sequence[str]) -> None:
        """Persist; ``item_ids`` records which catalog the positions refer to (written whole, then renamed)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp.npz")
        np.savez(temporary, weights=self.weights, items=self.items, n_items=self.n_items, l2=self.l2,
                 item_ids=np.array(list(item_ids)))  # fmt: skip
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path, item_ids: Sequence[str]) -> EASE | None:
        """The saved model, or None when there is none or it was fitted for another catalog."""
        if not path.is_file():
            return None
        with np.load(path) as stored:
            if stored["item_ids"].tolist() != list(item_ids):
                return None
            return cls(stored["weights"], stored["items"], int(stored["n_items"]), float(stored["l2"]))


def _spd_inverse(matrix: np.ndarray) -> np.ndarray:
    """Inverse of a symmetric positive-definite matrix by Cholesky (half the work of a general inverse)."""
    factor, info = lapack.spotrf(matrix, lower=False, overwrite_a=True, clean=True)
    if info != 0:
        raise RapportError(f"EASE: the Gram matrix is not positive definite (lapack info {info}); raise l2")
    inverse, info = lapack.spotri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise RapportError(f"EASE: inverting the Gram matrix failed (lapack info {info})")
    upper = np.triu(inverse)
    return upper + np.triu(upper, 1).T
