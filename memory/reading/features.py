"""What the act and change heads see of a sentence beside its meaning: how it opens, its words.

MiniLM's sentence vector says what a sentence is about far more than what it does: "Forget that I
live in Paris" sits next to "I live in Paris". The act head therefore also gets the vector of the
sentence's opening words ("forget that i", "do you remember", "how many pets") and three surface
signals (a question mark, a "you", an "I"); its weights over all of them are learned. Openers that
carry nothing ("btw", "oh and", "remember that") are dropped first, in training and reading alike.

The change head has the same blind spot: "I'm still vegan" and "I'm vegan now" are neighbours in
MiniLM, and so are "my budgie learned a new word" and "Biscuit passed away". It also gets the
sentence's words and word pairs, hashed into a fixed number of columns (no vocabulary to ship);
which of them mark a change ("still", "too", "any more", "passed away") is learned from the data.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np

from memory.embedder import Embedder
from memory.statements import without_openers

OPENING_WORDS = 3
HASHED_WORD_COLUMNS = 2048
_WORD = re.compile(r"[\w'’]+")
_YOU = re.compile(r"\b(you|your|you're|u|ur)\b", re.IGNORECASE)
_ME = re.compile(r"\b(i|i'm|im|i've|i'd|my|me|mine|we|our|us)\b", re.IGNORECASE)


def opening(text: str) -> str:
    return " ".join(_WORD.findall(text.lower())[:OPENING_WORDS]) or text.lower()


def surface(text: str) -> list[float]:
    return [float("?" in text), float(bool(_YOU.search(text))), float(bool(_ME.search(text)))]


def act_features(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """One row per text: [sentence vector, opening vector, surface signals], openers that say nothing dropped."""
    texts = [without_openers(text) for text in texts]
    vectors = embedder.encode(texts)
    openings = embedder.encode([opening(text) for text in texts])
    signals = np.array([surface(text) for text in texts], dtype=np.float32).reshape(len(texts), 3)
    return np.hstack([vectors, openings, signals])


def word_features(texts: Sequence[str]) -> np.ndarray:
    """Each text's words and adjacent word pairs, hashed into ``HASHED_WORD_COLUMNS``, unit length."""
    rows = np.zeros((len(texts), HASHED_WORD_COLUMNS), dtype=np.float32)
    for row, text in enumerate(texts):
        words = _WORD.findall(text.lower().replace("’", "'"))
        for gram in [*words, *(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))]:
            rows[row, zlib.crc32(gram.encode()) % HASHED_WORD_COLUMNS] = 1.0
        norm = float(np.linalg.norm(rows[row]))
        if norm:
            rows[row] /= norm
    return rows


def change_features(vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    """One row per text: [sentence vector, hashed words]."""
    return np.hstack([np.atleast_2d(vectors), word_features(texts)])
