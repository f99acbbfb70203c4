"""Whose fact a memory is: a question about the user is not answered by a fact about their brother.

A rule is the right tool here, once the reader knows the turn asks about the user: a statement whose
opening names a relation ("My brother Owen's a plumber", "My husband Luca's birthday is ...") is
about that person, unless the speaker is in it too ("My wife and I got married in 2019") or the
question names that person, by relation or by name.
"""

from __future__ import annotations

import re

from memory.lexicon import PARTNERS, PEOPLE

from .values import values

_WORD = re.compile(r"[a-z]+")
_OTHERS: dict[str, str] = {**PEOPLE, **{word: "partner" for word in PARTNERS}}  # word -> one name per relation
_SPEAKER = re.compile(r"\b(?:i|i'm|im|i've|i'd|we|we're|we've|me|us)\b", re.IGNORECASE)


def others(text: str) -> frozenset[str]:
    """The other people a text names by their relation, one name each ("children" and "kids" are "kids")."""
    return frozenset(_OTHERS[word] for word in _WORD.findall(text.lower()) if word in _OTHERS)


_NAMES = re.compile(r"\b[A-Z][a-z]+\b")
SUBJECT_WORDS = 5  # a relation named this early is who the statement is about ("My brother Owen's a plumber")


def about_someone_else(question: str, memory: str) -> bool:
    """Whether ``memory`` is about another person than the question asks about.

    "What's my job?" is not answered by "My brother Owen's a plumber", nor "When's my birthday?" by
    "My husband Luca's birthday is on the 9th of August"; "What's my husband's job?" or "What does
    Owen do?" may be.
    """
    opening = " ".join(_WORD.findall(memory.lower().replace("’", "'"))[:SUBJECT_WORDS])
    if _SPEAKER.search(" ".join(memory.split()[:SUBJECT_WORDS])):
        return False  # "I ...", "My wife and I ...": the speaker is in it
    if {v.casefold() for v in values(memory)} & {word.casefold() for word in _NAMES.findall(question)}:
        return False  # "How old is Arjun?" asks about the son the memory names
    return bool(others(opening) - others(question))


def subject(text: str, known: str = "") -> str:
    """Who a statement is about: "self", or the relation its opening names ("Ollie's brother moved" is "brother").

    A statement that opens with a name ``known`` also names is about whoever ``known`` is about:
    "Ollie moved to Leeds" after "My boyfriend Ollie lives in Glasgow" is about the partner.
    """
    opening = text.split()[:SUBJECT_WORDS]
    if _SPEAKER.search(" ".join(opening)):
        return "self"
    for word in _WORD.findall(" ".join(opening).lower().replace("’", "'")):
        if word in _OTHERS:
            return _OTHERS[word]
    if known and set(_NAMES.findall(" ".join(opening))) & set(_NAMES.findall(known)):
        return subject(known)
    return "self"
