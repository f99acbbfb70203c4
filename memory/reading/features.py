"""What the act head sees of a sentence: its meaning, how it opens, and its punctuation.

MiniLM's sentence vector says what a sentence is about far more than what it does: "Forget that I
live in Paris" sits next to "I live in Paris". The act head therefore also gets the vector of the
sentence's opening words ("forget that i", "do you remember", "how many pets") and three surface
signals (a question mark, a "you", an "I"); its weights over all of them are learned. Openers that
carry nothing ("btw", "oh and", "remember that") are dropped first, in training and reading alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from memory.embedder import Embedder
from memory.statements import without_openers

OPENING_WORDS = 3
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
