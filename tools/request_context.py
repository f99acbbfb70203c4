"""What requests need to know about one catalog, built once: its vocabulary, meaning vectors and ratings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .items import meaning_text
from .quality import item_ratings, quality_prior
from .request_vocabulary import CatalogVocabulary, build_vocabulary

if TYPE_CHECKING:
    from memory.embedder import Embedder

    from .catalog import CatalogIndex

MEANING_FILE = "meaning_vectors.npz"


@dataclass
class RequestContext:
    """What requests need to know about one catalog, built once: vocabulary, meaning vectors, ratings."""

    index: CatalogIndex
    vocabulary: CatalogVocabulary
    meaning: np.ndarray  # unit vectors of each item's meaning text; zero rows where there is none
    quality: np.ndarray | None
    rating_means: np.ndarray
    rating_counts: np.ndarray
    genre_sets: list[frozenset[str]] = field(default_factory=list)


def meaning_vectors(
    index: CatalogIndex, embedder: Embedder, cache: Path | None = None, *, progress: str | None = None
) -> np.ndarray:
    """Unit vectors of each item's meaning text (zero rows where there is none), cached in ``cache``.

    Encoding a whole catalog takes seconds (about 10 s for ml-latest-small on 2 cores): ``rapport
    catalog load`` does it, so that no chat turn waits for it.
    """
    from .catalog import embed_texts

    texts = [meaning_text(item) for item in index.items]
    present = [n for n, text in enumerate(texts) if text]
    meaning = np.zeros((len(texts), index.embeddings.shape[1]), dtype=np.float32)
    if present:
        meaning[present] = embed_texts([texts[n] for n in present], embedder, cache, progress=progress)
    return meaning


def request_context(index: CatalogIndex, embedder: Embedder, cache: Path | None = None) -> RequestContext:
    """The catalog's vocabulary, its items' meaning vectors (cached in ``cache``) and its quality prior."""
    means, counts = item_ratings(index.items)
    return RequestContext(
        index=index,
        vocabulary=build_vocabulary(index),
        meaning=meaning_vectors(index, embedder, cache),
        quality=quality_prior(index.items),
        rating_means=means,
        rating_counts=counts,
        genre_sets=[frozenset(item.genres) for item in index.items],
    )
