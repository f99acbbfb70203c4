"""Candidate sources over a ``CatalogIndex``: dense similarity, item-to-item co-occurrence, popularity, filters.

Every function scores all items at once (numpy, scipy.sparse) so the product and the evaluation
call the same code; a catalog of 10k items scores in about a millisecond.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, Field, ValidationError, model_validator

from memory.errors import InvalidInputError

from .catalog import CatalogIndex
from .interactions import Interaction


class Filters(BaseModel):
    """Hard constraints: an item that fails one is never recommended."""

    genres: list[str] | None = Field(default=None, description="Keep items with any of these genres.")
    exclude_genres: list[str] | None = Field(default=None, description="Drop items with any of these genres.")
    year_min: int | None = Field(default=None, description="Earliest release year, inclusive.")
    year_max: int | None = Field(default=None, description="Latest release year, inclusive.")
    include_seen: bool = Field(default=False, description="Allow items the user already interacted with.")

    @model_validator(mode="after")
    def _years_in_order(self) -> Filters:
        if self.year_min is not None and self.year_max is not None and self.year_min > self.year_max:
            raise ValueError(f"year_min {self.year_min} is after year_max {self.year_max}")
        return self


def parse_filters(filters: Filters | Mapping[str, object] | None) -> Filters:
    """Filters from a model, a dict (from a tool call or the CLI) or None; bad values are an ``InvalidInputError``."""
    if isinstance(filters, Filters):
        return filters
    try:
        return Filters.model_validate(dict(filters or {}))
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise InvalidInputError(f"filters.{field}" if field else "filters", first["msg"]) from None


def filter_mask(index: CatalogIndex, filters: Filters | None, seen: Sequence[int] = ()) -> np.ndarray:
    """Boolean mask of the items allowed by ``filters``; ``seen`` positions are dropped unless included."""
    filters = filters or Filters()
    mask = np.ones(len(index), dtype=bool)
    if filters.genres:
        mask &= index.genre_mask(filters.genres)
    if filters.exclude_genres:
        mask &= ~index.genre_mask(filters.exclude_genres)
    if filters.year_min is not None:
        mask &= index.years >= filters.year_min  # unknown years (NaN) fail a year filter
    if filters.year_max is not None:
        mask &= index.years <= filters.year_max
    if not filters.include_seen and len(seen):
        mask[np.asarray(seen, dtype=int)] = False
    return mask


def dense_scores(index: CatalogIndex, vectors: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Cosine of every item to a weighted sum of unit ``vectors`` (a query, liked items, preferences)."""
    vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    if len(vectors) == 0:
        return np.zeros(len(index), dtype=np.float32)
    weights = np.ones(len(vectors), dtype=np.float32) if weights is None else np.asarray(weights, dtype=np.float32)
    return index.embeddings @ (weights @ vectors)


def popularity_scores(counts: np.ndarray) -> np.ndarray:
    """log(1 + interactions): most-interacted first, with diminishing returns."""
    return np.log1p(np.asarray(counts, dtype=float))


def top_positions(scores: np.ndarray, mask: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` best allowed items, best first (ties broken by position)."""
    if not isinstance(k, int | np.integer) or k < 1:
        raise InvalidInputError("k", f"must be a positive integer, got {k!r}")
    allowed = np.flatnonzero(mask)
    if len(allowed) == 0:
        return allowed
    values = scores[allowed]
    if len(allowed) > k:
        part = np.argpartition(-values, k - 1)[:k]
        allowed, values = allowed[part], values[part]
    order = np.lexsort((allowed, -values))
    return allowed[order]


def interaction_matrix(
    index: CatalogIndex, by_user: Mapping[str, Sequence[Interaction]], *, positive_only: bool = False
) -> sp.csr_matrix:
    """Users x items binary matrix of who interacted with what (unknown items are ignored)."""
    rows, cols = [], []
    for row, interactions in enumerate(by_user.values()):
        for interaction in interactions:
            position = index.position.get(interaction.item_id)
            if position is not None and (not positive_only or interaction.polarity() > 0):
                rows.append(row)
                cols.append(position)
    data = np.ones(len(rows), dtype=np.float32)
    matrix = sp.csr_matrix((data, (rows, cols)), shape=(len(by_user), len(index)), dtype=np.float32)
    matrix.data[:] = 1.0  # duplicates summed by the constructor count once
    return matrix


class ItemKNN:
    """Item-to-item cosine similarity on a binary users x items matrix (co-occurrence, normalised).

    ``neighbours`` keeps each item's strongest similarities only (None keeps all); ``alpha`` < 0.5
    divides less by a popular neighbour's norm (asymmetric cosine), which favours popular items.
    """

    def __init__(self, similarity: sp.csr_matrix, counts: np.ndarray) -> None:
        self.similarity = similarity.tocsr()
        self.counts = np.asarray(counts, dtype=float)

    @classmethod
    def fit(cls, matrix: sp.csr_matrix, *, neighbours: int | None = None, alpha: float = 0.5) -> ItemKNN:
        binary = matrix.tocsc(copy=True)
        binary.data[:] = 1.0
        counts = np.asarray(binary.sum(axis=0)).ravel()
        co = (binary.T @ binary).tocsr()
        co.setdiag(0)
        co.eliminate_zeros()
        norm_from = np.power(np.maximum(counts, 1.0), alpha)
        norm_to = np.power(np.maximum(counts, 1.0), 1.0 - alpha)
        similarity = sp.diags(1.0 / norm_from) @ co @ sp.diags(1.0 / norm_to)
        similarity = similarity.tocsr().astype(np.float32)
        if neighbours is not None:
            similarity = _keep_top_per_row(similarity, neighbours)
        return cls(similarity, counts)

    def scores(self, positions: Sequence[int], weights: Sequence[float] | None = None) -> np.ndarray:
        """Sum over the given items (weighted) of each catalog item's similarity to them."""
        positions = np.asarray(positions, dtype=int)
        n_items = self.similarity.shape[0]
        if len(positions) == 0:
            return np.zeros(n_items, dtype=np.float32)
        weights = np.ones(len(positions), dtype=np.float32) if weights is None else np.asarray(weights, np.float32)
        vector = sp.csr_matrix((weights, (np.zeros(len(positions), dtype=int), positions)), shape=(1, n_items))
        return self.score_rows(vector)[0]

    def score_rows(self, histories: sp.spmatrix) -> np.ndarray:
        """Users x items scores for a users x items matrix of history weights (many users at once)."""
        return np.asarray((sp.csr_matrix(histories, dtype=np.float32) @ self.similarity).todense())

    def save(self, path: Path, item_ids: Sequence[str]) -> None:
        """Persist next to the catalog; ``item_ids`` records which catalog the positions refer to."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp.npz")
        s = self.similarity
        np.savez(temporary, data=s.data, indices=s.indices, indptr=s.indptr, shape=np.array(s.shape),
                 counts=self.counts, item_ids=np.array(list(item_ids)))  # fmt: skip
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path, item_ids: Sequence[str]) -> ItemKNN | None:
        """The saved model, or None when there is none or it was built for another catalog."""
        if not path.is_file():
            return None
        with np.load(path) as stored:
            if stored["item_ids"].tolist() != list(item_ids):
                return None
            similarity = sp.csr_matrix(
                (stored["data"], stored["indices"], stored["indptr"]), shape=tuple(stored["shape"])
            )
            return cls(similarity, stored["counts"])


def _keep_top_per_row(matrix: sp.csr_matrix, n: int) -> sp.csr_matrix:
    rows, cols, vals = [], [], []
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        if end == start:
            continue
        values = matrix.data[start:end]
        keep = np.argpartition(-values, min(n, len(values)) - 1)[:n] if len(values) > n else np.arange(len(values))
        rows.extend([row] * len(keep))
        cols.extend(matrix.indices[start:end][keep])
        vals.extend(values[keep])
    return sp.csr_matrix((vals, (rows, cols)), shape=matrix.shape, dtype=np.float32)
