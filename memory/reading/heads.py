"""Linear classification heads over MiniLM sentence vectors, shipped as one small ``.npz`` file.

Why linear heads: the product already embeds every message and memory with MiniLM, so a decision
learned from labelled sentences (what a sentence does, which slot a statement fills, whether it is
a need) costs one matrix product at read time, generalizes past the phrasings it was trained on,
and is rebuilt by one command (``rapport train reader``) from the data in ``evals/data/reading``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from memory.errors import RapportError

HEADS_FILE = Path(__file__).with_name("heads.npz")


@dataclass(frozen=True)
class Head:
    """One softmax classifier: ``classes[i]`` has logit ``vector @ weights[:, i] + bias[i]``."""

    name: str
    classes: tuple[str, ...]
    weights: np.ndarray  # (dimensions, classes)
    bias: np.ndarray  # (classes,)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        logits = np.atleast_2d(vectors) @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, vectors: np.ndarray) -> list[tuple[str, float]]:
        """The most likely class of each vector, with its probability."""
        if len(vectors) == 0:
            return []
        probabilities = self.probabilities(vectors)
        best = probabilities.argmax(axis=1)
        return [(self.classes[i], float(probabilities[row, i])) for row, i in enumerate(best)]


def save_heads(heads: Sequence[Head], path: Path = HEADS_FILE) -> None:
    arrays: dict[str, np.ndarray] = {}
    for head in heads:
        arrays[f"{head.name}.classes"] = np.array(head.classes, dtype=np.str_)
        arrays[f"{head.name}.weights"] = head.weights.astype(np.float32)
        arrays[f"{head.name}.bias"] = head.bias.astype(np.float32)
    np.savez_compressed(path, **arrays)


def load_heads(path: Path = HEADS_FILE) -> dict[str, Head]:
    """Every head in ``path``; plain arrays only (no pickle), so the file is data, never code."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = sorted({key.split(".", 1)[0] for key in archive.files})
            return {
                name: Head(
                    name=name,
                    classes=tuple(str(c) for c in archive[f"{name}.classes"]),
                    weights=archive[f"{name}.weights"],
                    bias=archive[f"{name}.bias"],
                )
                for name in names
            }
    except (OSError, KeyError, ValueError) as error:
        raise RapportError(
            f"the reader's heads at {path} could not be read ({error}); run: rapport train reader"
        ) from None


@cache
def shipped_heads() -> dict[str, Head]:
    return load_heads(HEADS_FILE)
