"""Which parts of a text about the user the user's current memories back up.

What the product shows about a person comes from that person's memories, never from a prompt: a small
base model copies its few-shot example ("lives in Lyon, plays the saxophone") into a summary, and any
model may turn "my sister works as a nurse" into "works as a nurse". So every clause of a profile is
checked against the memories, and kept only when ONE memory supports it:
- the memory carries all of the clause's content words (stems from ``memory.claims``, less the words a
  summary adds around them: ``lexicon.PROFILE_FILLER``);
- the parts of the memory that carry them are about the user, or about someone the clause names ("my
  sister ..." backs "your sister works as a nurse", never "works as a nurse"); a clause whose subject
  is a relative or friend ("Her sister teaches history") needs parts about that person;
- and they agree on whether it is so ("I quit teaching" does not back "a teacher", "I'm allergic to cats"
  does not back "loves cats").
A clause with no content words says nothing about the user and is dropped.

Why no embedding similarity: measured with MiniLM, real support scored as low as 0.30-0.52 (a LaMP
label against its item, "has two cats" against a long memory) while wrong ones scored 0.66-0.82
("plays the saxophone" against "I went to a saxophone concert", "loves jazz" against "I hate jazz"),
so no threshold separates them; the words, who they are about and the polarity do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .claims import (
    MODIFIERS,
    OTHER,
    SELF,
    STOP,
    THEY,
    normalise,
    resolve_pronoun,
    split_clauses,
    stem,
    subject_of,
)
from .lexicon import AVERSIONS, JOB_WORDS, NOT_SO, NUMBER_WORDS, OCCUPATIONS, PARTNERS, PEOPLE, PROFILE_FILLER
from .person import as_sentence

if TYPE_CHECKING:
    from .records import Memory

SENTENCE = re.compile(r"(?<=[.;!?])\s+")
CLAUSE = re.compile(r",\s+|\s+and\s+")
WORD = re.compile(r"\d+|[A-Za-z\u00C0-\u024F][A-Za-z\u00C0-\u024F'-]{2,}")  # content: "tv" and "is" are not
TOKEN = re.compile(r"\d+|[A-Za-z\u00C0-\u024F][A-Za-z\u00C0-\u024F'-]*")  # every word: "no", "ex" count
EXTRACTIVE_LIMIT = 5  # memories an extractive summary quotes
_POSSESSED = re.compile(
    r"\b(?:my|our)\s+(?:(?:" + "|".join(sorted(MODIFIERS)) + r")\s+)*(?P<noun>[a-z][a-z'-]*)"
    r"(?:,?\s+(?-i:(?P<name>[A-Z][\w'-]*)))?",
    re.I,
)
_LEAD_NAME = re.compile(r"^(?P<name>[A-Z][\w'-]*)")
_RELATED = frozenset({*PEOPLE.values(), "partner"})
_LEAD_PERSON = re.compile(
    r"^(?:(?:her|his|their|your|the user's|the)\s+)?(?:(?:" + "|".join(sorted(MODIFIERS)) + r")\s+)*"
    r"(?P<noun>[A-Za-z'-]+)",
    re.I,
)


def content_stems(text: str) -> set[str]:
    """The stems of the words in ``text`` that say something: no stopwords, filler or negations.

    Numbers are content ("two cats" is not "three cats"), though the claim parser's stopwords list them.
    """
    lows = [word.lower().removesuffix("'s") for word in WORD.findall(normalise(text))]
    filler = PROFILE_FILLER | NOT_SO | (JOB_WORDS if OCCUPATIONS.intersection(lows) else frozenset())
    return {stem(low) for low in lows if not (low in STOP and low not in NUMBER_WORDS) and low not in filler}


def negative(text: str) -> bool:
    """Whether ``text`` says something is not, or no longer, so, or that it is disliked."""
    return any(word.lower() in NOT_SO or word.lower() in AVERSIONS for word in TOKEN.findall(normalise(text)))


def person(word: str) -> str:
    """A word as a way of naming someone: relation words as one name each ("mum" = "mother"), others as is."""
    low = word.lower().removesuffix("'s").removesuffix("'")
    return PEOPLE.get(low) or ("partner" if low in PARTNERS else low)


def person_words(text: str) -> set[str]:
    """Every way ``text`` could be naming someone (see ``person``)."""
    return {person(word) for word in TOKEN.findall(normalise(text))}


@dataclass(frozen=True)
class Piece:
    """One clause of a memory: its content stems, who it is about, the words that name them, its polarity."""

    stems: frozenset[str]
    about: str
    names: frozenset[str]
    negative: bool


@lru_cache(maxsize=50_000)
def pieces(text: str) -> tuple[Piece, ...]:
    """A memory clause by clause, with who each clause is about (as ``memory.claims`` reads it).

    A clause with no subject of its own ("..., works nights"), or with "he", "she" or "they" after a
    clause about someone else ("My sister is a nurse. She works nights"), keeps that clause's person.
    """
    found: list[Piece] = []
    subject, names, before = SELF, frozenset[str](), ""
    for part in split_clauses(normalise(text)):
        part = resolve_pronoun(part, before)
        now = subject_of(part, subject)
        if now == OTHER and subject != SELF and THEY.match(part):
            now = subject
        own = _names(part, now)
        names = own if own or now != subject else names
        subject = now
        found.append(
            Piece(frozenset(content_stems(part)), subject, names if subject != SELF else frozenset(), negative(part))
        )
        before = part
    return tuple(found)


def subject_person(clause: str) -> str | None:
    """The relative or friend a summary clause is about ("Her older sister works ..." -> sister), if any."""
    lead = _LEAD_PERSON.match(clause.strip())
    noun = person(lead["noun"]) if lead else ""
    return noun if noun in _RELATED else None


def _names(part: str, subject: str) -> frozenset[str]:
    """How a clause about someone else names them: the relation ("sister") and a name ("Anna")."""
    if subject == SELF:
        return frozenset()
    names: set[str] = set()
    possessed = _POSSESSED.search(part)
    if possessed and subject != OTHER:
        names.add(person(possessed["noun"]))
        if possessed["name"]:
            names.add(person(possessed["name"]))
    elif subject == OTHER and (lead := _LEAD_NAME.match(part)):
        names.add(person(lead["name"]))
    return frozenset(names)


def supported(clauses: Sequence[str], notes: Sequence[str]) -> list[bool]:
    """For each clause, whether one single note supports it (see the module docstring)."""
    return [_supported(clause, notes) for clause in clauses]


def _supported(clause: str, notes: Sequence[str]) -> bool:
    """Whether one note carries every content word of ``clause`` in parts about whom the clause is about.

    A part about someone else counts only when the clause names them, and only such a part counts for
    a clause about a relative or friend; a part that says it is not so counts only for a clause that
    says so too.
    """
    wanted = content_stems(clause)
    if not wanted:
        return False
    named, denied, about = person_words(clause), negative(clause), subject_person(clause)
    for note in notes:
        backing: set[str] = set()
        for piece in pieces(note):
            whose = about in piece.names if about else piece.about == SELF or piece.names & named
            if whose and piece.negative == denied:
                backing |= piece.stems
        if wanted <= backing:
            return True
    return False


def supported_items(items: Sequence[str], notes: Sequence[str], *, against: bool = False) -> list[bool]:
    """``supported`` for profile items; a dislike (``against``) is checked as something the user is against.

    "cats" under dislikes needs a memory like "I'm allergic to cats"; under interests, one that is not.
    """
    return supported([f"not {item}" if against and not negative(item) else item for item in items], notes)


def keep_clauses(text: str, keep: Callable[[list[str]], list[bool]]) -> str:
    """``text`` with only the clauses ``keep`` accepts, sentence by sentence; "" when none is left."""
    sentences = [
        [clause.strip().rstrip(".,;!?") for clause in CLAUSE.split(sentence)] for sentence in SENTENCE.split(text)
    ]
    clauses = [clause for sentence in sentences for clause in sentence if clause]
    kept = {clause for clause, ok in zip(clauses, keep(clauses), strict=True) if ok}
    out = [", ".join(c for c in sentence if c in kept) for sentence in sentences]
    return " ".join(sentence + "." for sentence in out if sentence)


def grounded_in(text: str, notes: Sequence[str]) -> str:
    """The clauses of ``text`` that one of ``notes`` supports; "" when none is."""
    return keep_clauses(text, lambda clauses: supported(clauses, notes))


def grounded(text: str, memories: Sequence[Memory]) -> str:
    """``grounded_in`` for memory records."""
    return grounded_in(text, [m.text for m in memories])


def extractive_summary(notes: Sequence[str]) -> str:
    """A summary without a model: the first few notes in the second person, each saying whom it is about."""
    return " ".join(as_sentence(note) for note in notes[:EXTRACTIVE_LIMIT] if note.strip())
