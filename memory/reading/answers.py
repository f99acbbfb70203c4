"""Whether a stored memory answers a question about the user: a judge calibrated on labelled pairs.

Closeness alone cannot say it: "What's my dog called?" is close to "My cat is called Tom", and
"Which camera did I end up buying?" is far from "Finally treated myself to a Fujifilm X-T5". The
judge (``answers`` in ``heads.npz``) weighs closeness with what the reader says of both (the part of
life the question asks about, the slot the memory fills, the people each names), learned from
labelled question–memory pairs (``evals/data/reading/answers.jsonl``) by ``rapport train reader``.
Held out by whole families of hard pairs it is right 72% of the time where closeness alone is right
55%: good enough to decide when no memory answers by the question's own words
(``agent.answering``), not to overrule them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from memory.lexicon import PARTNERS, PEOPLE

from .labels import Slot
from .reading import Statement
from .values import values

if TYPE_CHECKING:
    from .reader import EmbeddedReader

ANSWERS_PROBABILITY = 0.5
AGREEMENT_SCALE = 20.0  # the vectors' elementwise product, scaled to the size of the other features
_WORD = re.compile(r"[a-z]+")
_OTHERS = frozenset(PEOPLE) | frozenset(PARTNERS)


def others(text: str) -> frozenset[str]:
    """The other people a text names by their relation ("sister", "boss"), lower case."""
    return frozenset(_WORD.findall(text.lower())) & _OTHERS


_NAMES = re.compile(r"\b[A-Z][a-z]+\b")
_SPEAKER_FIRST = re.compile(r"^\W*(?:i|i'm|im|i've|i'd|we|we're|we've)\b", re.IGNORECASE)
SUBJECT_WORDS = 5  # a relation named this early is who the statement is about ("My brother Owen's a plumber")


def about_someone_else(question: str, memory: str) -> bool:
    """Whether ``memory`` is about another person than the question asks about.

    "What's my job?" is not answered by "My brother Owen's a plumber", nor "When's my birthday?" by
    "My husband Luca's birthday is on the 9th of August"; "What's my husband's job?" or "What does
    Owen do?" may be.
    """
    if _SPEAKER_FIRST.match(memory):
        return False
    if {v.casefold() for v in values(memory)} & {word.casefold() for word in _NAMES.findall(question)}:
        return False  # "How old is Arjun?" asks about the son the memory names
    opening = " ".join(_WORD.findall(memory.lower())[:SUBJECT_WORDS])
    return bool(others(opening) - others(question))


def answer_features(
    question: str, focus: Slot | None, memory: Statement, question_vector: np.ndarray, memory_vector: np.ndarray
) -> np.ndarray:
    """What the judge sees: closeness, slot agreement, the people each names, and where the two vectors agree."""
    cosine = float(question_vector @ memory_vector)
    same = float(focus is not None and memory.slot == focus)
    asked_people, named_people = others(question), others(memory.text)
    signals = np.array(
        [
            cosine,
            same,
            same * cosine,
            float(focus is None),
            float(bool(asked_people - named_people)),
            float(bool(named_people - asked_people)),
            float(memory.slot is Slot.PLAN and focus is not Slot.PLAN),
            float(bool(memory.values)),
        ],
        dtype=np.float32,
    )
    return np.concatenate([signals, question_vector * memory_vector * AGREEMENT_SCALE])


def answer_probabilities(
    reader: EmbeddedReader, question: str, memories: Sequence[str], question_vector: np.ndarray | None = None
) -> list[float]:
    """The judge's probability that each memory answers ``question`` (0 without a judge)."""
    judge = reader.heads.get("answers")
    if judge is None or not memories:
        return [0.0] * len(memories)
    vectors = reader.embedder.encode([question, *memories])
    focus = reader.focus(vectors[0])
    statements = reader.classify(list(memories))
    features = np.stack(
        [
            answer_features(question, focus, statement, vectors[0], vector)
            for statement, vector in zip(statements, vectors[1:], strict=True)
        ]
    )
    return [float(p) for p in judge.probabilities(features)[:, judge.classes.index("true")]]
