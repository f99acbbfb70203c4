"""Suggestions a small model can be trusted with: examples that guide its draft, and ideas to pick from.

Asked cold, a 270M model writes "Take a day off, then go to the hospital." for a nurse's day off. Two
things make it useful, both from one library of written suggestions (``prompts/suggestion_examples.jsonl``,
each for a person and a request):
- the examples nearest the request and the person become its few-shot pattern, so the draft is on topic
  ("Get her a good pair of knitting needles" for a grandmother who knits);
- the same examples are candidates beside the draft. Each candidate is scored by how close it is to the
  request and to what is known about the user, and the best one that respects the user's constraints is
  said. An example is a candidate only when its request is like this one, its person is like this user
  and the user said what it rests on ("You have a dog" does not lead a walk idea to a user without one);
  examples written for anyone ("Nothing known yet.") compete too, with nothing personal to score.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib.resources import files
from itertools import islice

import numpy as np
from bm25s.stopwords import STOPWORDS_EN_PLUS

from agent.constraints import is_need, violations
from memory.claims import STOP, stem
from memory.embedder import Embedder
from memory.lexicon import PARTNERS, PEOPLE, PETS, words

LIBRARY_FILE = "suggestion_examples.jsonl"
SHOTS = 3  # examples in the draft's prompt: enough to set the pattern, few enough to stay fast
REQUEST_WEIGHT = 0.6  # choosing shots: the request matters more than the person
REQUEST_LIKE = 0.45  # an example's request at least this close to the user's is the same kind of request
REQUEST_MARGIN = 0.1  # ...and within this of the closest example's request: a dessert is no answer to "breakfast?"
PERSON_LIKE = 0.45  # an example's person at least this close to the user's facts fits this user
NOTHING_KNOWN = "Nothing known yet."  # the person of a user with no relevant facts, in prompts and examples
BORROWED_WORDS = 2  # content words a draft must share with a shot about someone else to count as a copy
COMMON_IN = 3  # a word in this many library suggestions is phrasing ("good", "take"), not one example's content
_WORD = re.compile(r"[a-z][a-z']{2,}")
_PERSON_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Example:
    """A written suggestion for a person ("You're vegan.") and their request."""

    person: str
    request: str
    suggestion: str

    def as_shot(self) -> str:
        """The example in the draft prompt's pattern."""
        return f"Person: {self.person}\nRequest: {self.request}\nSuggestion: {self.suggestion}\n\n"


Premise = tuple[frozenset[str], frozenset[str]]  # what a sentence of a person rests on, and its topic part


@dataclass(frozen=True)
class Scored:
    """A candidate suggestion and how well it fits the request and the user."""

    text: str
    fit: float
    source: str  # "model" or "library"


def load_examples() -> list[Example]:
    """The library shipped with the prompts."""
    lines = files("prompts").joinpath(LIBRARY_FILE).read_text(encoding="utf-8").splitlines()
    return [Example(**json.loads(line)) for line in lines if line.strip()]


class SuggestionLibrary:
    """The examples, embedded once per process, with the choices made from them."""

    def __init__(self, embedder: Embedder, examples: Sequence[Example] | None = None) -> None:
        self.embedder = embedder
        self.examples = list(examples) if examples is not None else load_examples()
        self._lock = threading.Lock()
        self._embedded: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def warm(self) -> threading.Thread:
        """Embed the examples in the background (about 2 s on 2 cores), so the first request does not wait."""
        thread = threading.Thread(target=lambda: self._vectors, name="suggestion-library", daemon=True)
        thread.start()
        return thread

    @property
    def _vectors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The requests', persons' and suggestions' embeddings, computed once (the warm-up or a first request)."""
        with self._lock:
            if self._embedded is None:
                requests = self.embedder.encode([e.request for e in self.examples])
                persons = self.embedder.encode([e.person for e in self.examples])
                suggestions = self.embedder.encode([e.suggestion for e in self.examples])
                self._embedded = requests, persons, suggestions
            return self._embedded

    @cached_property
    def _common_stems(self) -> frozenset[str]:
        counts = Counter(stem for e in self.examples for stem in _stems(e.suggestion))
        return frozenset(stem for stem, count in counts.items() if count >= COMMON_IN)

    def shots(self, request: str, facts: str, banned: Sequence[str], k: int = SHOTS) -> list[Example]:
        """The ``k`` examples nearest the request and the person, none using a banned word, nearest last."""
        requests, _, _ = self._vectors
        query = self.embedder.encode([request])[0]
        closeness = REQUEST_WEIGHT * (requests @ query) + (1 - REQUEST_WEIGHT) * self._person_like(facts)
        nearest = (self.examples[i] for i in np.argsort(-closeness))
        allowed = list(islice((e for e in nearest if not violations(e.suggestion, banned)), k))
        return allowed[::-1]

    def best(
        self, request: str, facts: str, drafts: Sequence[str], banned: Sequence[str], shots: Sequence[Example] = ()
    ) -> Scored | None:
        """The best of the model's drafts and the library's fitting examples, or None when there is neither.

        A draft that borrows another person's specifics from its shots ("knitting needles and a few
        hand-tied flies", the flies from a fishing example) is not a candidate; nor is an example whose
        suggestion rests on something this user never said ("pounding the knee" for a bad back).
        """
        requests, _, suggestions = self._vectors
        mine = user_stems(request, facts)
        own = [draft for draft in drafts if not self.borrowed(draft, shots, mine)]
        query, person, *draft_vectors = self.embedder.encode([request, facts or NOTHING_KNOWN, *own])
        weight = 1.0 if facts else 0.0  # "Nothing known yet." says nothing a suggestion should be close to
        candidates = [
            Scored(text, float(v @ query + weight * (v @ person)), "model")
            for text, v in zip(own, draft_vectors, strict=True)
        ]
        request_like, person_like = requests @ query, self._person_like(facts)
        fits = (request_like >= REQUEST_LIKE) & ((person_like >= PERSON_LIKE) | self._for_anyone)
        offered = [
            int(index)
            for index in np.flatnonzero(fits)
            if not violations(self.examples[index].suggestion, banned)
            and self._premise_holds(self.examples[index], mine)
        ]
        # The bar is set by the ideas written for someone like this user: an idea for anyone with the
        # very same request must not push out the one for a wheelchair user's day out.
        personal = [index for index in offered if not self._for_anyone[index]] or offered
        closest = max((float(request_like[index]) for index in personal), default=0.0)
        for index in offered:
            if request_like[index] < closest - REQUEST_MARGIN:
                continue  # written for another kind of request than the closest one that may be offered
            example = self.examples[index]
            # An idea written for a request and a person like these counts that, beside what it says.
            vector = suggestions[index]
            fit = (vector @ query + request_like[index]) / 2 + weight * (vector @ person + person_like[index]) / 2
            candidates.append(Scored(example.suggestion, float(fit), "library"))
        return max(candidates, key=lambda c: c.fit, default=None)

    def _person_like(self, facts: str) -> np.ndarray:
        """How close each example's person is to this user: to all their facts, or to any one of them.

        A bad knee and a two-year-old son: the toddler's weekend idea fits the son, though the two
        facts together are like no example's person.
        """
        sentences = [facts or NOTHING_KNOWN, *(s for s in _PERSON_SENTENCE.split(facts) if s.strip())]
        if _TODDLER_AGE.search(facts):
            sentences.append("You have a toddler.")  # "Your son Arjun is two" is what the library calls a toddler
        vectors = self.embedder.encode(list(dict.fromkeys(sentences)))
        return np.max(self._vectors[1] @ np.asarray(vectors).T, axis=1)

    def borrowed(self, draft: str, shots: Sequence[Example], mine: set[str]) -> set[str]:
        """Content words the draft copied from a shot about someone else ("flies" from a fishing dad).

        ``mine`` are the stems of the user's request and facts. One shared word is chance; two or more
        from a shot whose premise this user does not share is a copy. Words from a shot that fits the
        user (or from phrasing every example uses) are fine.
        """
        elsewhere = {stem for shot in shots if not self._premise_holds(shot, mine) for stem in _stems(shot.suggestion)}
        copied = {stem for stem in _stems(draft) & elsewhere - self._common_stems if not _said(stem, mine)}
        return copied if len(copied) >= BORROWED_WORDS else set()

    @cached_property
    def _for_anyone(self) -> np.ndarray:
        """Which examples are written for anyone ("Nothing known yet."): they fit every user, if less well."""
        return np.array([e.person == NOTHING_KNOWN for e in self.examples], dtype=bool)

    @cached_property
    def _premises(self) -> dict[Example, list[Premise]]:
        return {example: _premises_of(example, self._common_stems) for example in self.examples}

    def _premise_holds(self, example: Example, mine: set[str]) -> bool:
        """Whether this user (the stems of their request and facts) said what the example rests on."""
        if _OLDER_STEM in mine and _LITTLE.search(example.person):
            return False
        premises = self._premises.get(example) or _premises_of(example, self._common_stems)  # a shot from elsewhere
        for premise, topic in premises:
            if not all(_said(stem, mine) for stem in topic):
                return False
            if premise and not topic and not any(_said(stem, mine) for stem in premise):
                return False
        return True


def _premises_of(example: Example, common: frozenset[str]) -> list[Premise]:
    """Per sentence of the example's person: what it rests on, and the part of that which is its topic.

    A need ("You're vegan", "Money is tight") is matched by meaning, as the constraints are checked
    apart; so it rests only on the words its suggestion repeats ("knee" in "pounding the knee").
    Anything else ("You love photography", "You have a dog") rests on its own words, of which who and
    where it is about are not the topic: a gift idea for a gardening mum suits a gardening sister.
    """
    if example.person == NOTHING_KNOWN:
        return []
    suggestion = _stems(example.suggestion) - common
    found = []
    for sentence in _PERSON_SENTENCE.split(example.person):
        premise = _stems(sentence) - _PERSON_WORDS - _CHILD_WORDS
        if is_need(sentence):
            premise &= suggestion
        found.append((frozenset(premise), frozenset(premise - _SOFT_WORDS)))
    return found


def user_stems(request: str, facts: str) -> set[str]:
    """The stems of what the user asked and said, which examples' premises are checked against.

    "My son is fifteen" also says "teenager": the ideas written for little ones are not for him.
    """
    text = f"{request} {facts}"
    return _stems(text) | ({_OLDER_STEM} if _OLDER.search(text) else set())


def _stems(text: str) -> set[str]:
    """The content words as stems: "drawing", "draws" and "draw" meet, as do "fished" and "fishing".

    A pet is also its kind ("spaniel" says "dog"), and "twin boys" or "my daughter" say "kids".
    """
    found = [word for word in _WORD.findall(text.lower()) if word not in STOP and word not in STOPWORDS_EN_PLUS]
    found += [PETS[word] for word in found if word in PETS]
    found += ["kids" for word in found if word in _CHILDREN]
    return {stem(word[:-2] if word.endswith("ed") and len(word) > 5 else word) for word in found}


_CHILDREN = frozenset(
    words("kid kids child children boys girls son sons daughter daughters twins toddler toddlers baby babies")
)
# Children too old for what suits little ones: "my son is fifteen", "teenagers", "a 12-year-old".
_OLDER_AGE = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|1[0-9])"
_OLDER = re.compile(
    rf"\b(teen(age|ager|agers)?s?|{_OLDER_AGE}[- ]years?[- ]olds?|(is|are|aged|turned|turning) {_OLDER_AGE})\b",
    re.IGNORECASE,
)
# An idea for little ones: "a toddler", "two young kids", "a baby".
_LITTLE = re.compile(
    r"\b(toddlers?|bab(y|ies)|infants?|newborns?|little ones?|young (kids|children|sons?|daughters?))\b", re.I
)
# A child of one to three: "my son Arjun is two", "a two-year-old daughter", "twins aged 3".
_TODDLER_AGE = re.compile(
    r"\b((son|daughter|kids?|child(ren)?|boys?|girls?|twins)\b[^.]*?\b(is|are|aged|turned|turning) |"
    r"(?=(one|two|three|[1-3])[- ]years?[- ]old))(one|two|three|[1-3])\b",
    re.IGNORECASE,
)
# The words for children in an example's person: it rests on "kids", not on "toddler" itself.
_CHILD_WORDS = frozenset(stem(word) for word in _CHILDREN) - {stem("kids")}
_OLDER_STEM = stem("teenager")
# Who and where an example's person is ("mum", "city", "shifts"): not what its suggestion rests on.
_SOFT_WORDS = frozenset(
    stem(word)
    for word in [*PEOPLE, *PARTNERS, *words("work works job shift shifts city town area place home flat moved live")]
)
# How the library's persons are phrased, not what they are about.
_PERSON_WORDS = frozenset(
    stem(word)
    for word in words("""you're love loves like likes enjoy have has want wants trying always feel keen big young long
    bad get gets just new going next week month tonight staying coming over food""")
)


def _said(stem: str, stems: set[str]) -> bool:
    """A stem the user's words have, or one inside theirs ("nut" in "peanut")."""
    return any(stem in mine for mine in stems)
