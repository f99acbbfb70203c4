"""Which of the user's current memories answer a question about them, if any.

Search always returns the closest memories, even when none is about what was asked ("What's my
dog's name?" finds "My cat is called Tom"). A reply built from such a hit invents; so a hit answers
when it shares the question's content words (allowing the few general words that name the same slot:
"job" ~ "work") or is a close paraphrase (dense cosine), and never when the thing the question asks
about ("my dog", "my wife") is absent and the memory is about another thing of that kind ("my cat",
"my sister").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import Stemmer

from memory import Memory
from memory.claims import SELF, claims
from memory.reading.values import asked_kind, holds_kind

DENSE_ONLY_SIMILARITY = (
    0.35  # with no shared word, a close paraphrase answers ("Which city am I in?" ~ "I'm based in Toronto")
)
MIN_SIMILARITY = 0.2  # below this a shared word is a coincidence
SECOND_ANSWER_MARGIN = 0.08  # a second memory is added when it answers almost as well
# "Which school does Arjun go to?": a memory that names no school answers only as a near paraphrase (a shared
# name alone brings "My son Arjun is two" to 0.65)
ASKED_THING_SIMILARITY = 0.7

_STEMMER = Stemmer.Stemmer("english")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Words that carry no focus in a question about oneself.
_QUESTION_WORDS = frozenset(
    [
        "what",
        "what's",
        "whats",
        "where",
        "when",
        "who",
        "whom",
        "whose",
        "which",
        "why",
        "how",
        "do",
        "does",
        "did",
        "doing",
        "am",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "can",
        "could",
        "would",
        "will",
        "shall",
        "should",
        "have",
        "has",
        "had",
        "get",
        "got",
        "you",
        "your",
        "yours",
        "know",
        "remember",
        "recall",
        "tell",
        "told",
        "say",
        "said",
        "mention",
        "mentioned",
        "name",
        "names",
        "named",
        "called",
        "call",
        "i",
        "i'm",
        "me",
        "my",
        "mine",
        "myself",
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "about",
        "any",
        "anything",
        "some",
        "something",
        "still",
        "currently",
        "right",
        "now",
        "these",
        "days",
        "moment",
        "again",
        "please",
        "again",
        "ok",
        "okay",
        "and",
        "or",
        "that",
        "this",
        "there",
        "it",
        "its",
        "most",
        "best",
        "really",
        "actually",
        "much",
        "many",
    ]
)
# A question word that names a slot accepts the words that fill it ("What's my job?" ~ "I work as").
# One way: "pet" accepts "dog", "dog" does not accept "cat".
_SLOT_WORDS_BY_WORD: dict[str, tuple[str, ...]] = {
    "job": ("work", "profession", "occupation", "career", "employ", "hire", "company", "startup", "joined", "as a"),
    "work": ("job", "profession", "occupation", "career", "employ", "company", "startup", "joined", "office"),
    "profession": ("work", "job"),
    "career": ("work", "job"),
    "employer": ("work", "company", "startup", "joined"),
    "live": ("home", "moved", "move", "relocated", "flat", "apartment", "house", "city", "town", "based"),
    "home": ("live", "moved", "flat", "apartment", "house"),
    "city": ("live", "moved", "relocated", "town", "based"),
    "address": ("live", "moved"),
    "pet": ("dog", "cat", "parrot", "puppy", "kitten", "rabbit", "hamster", "bird", "fish", "horse", "tortoise"),
    "kid": ("child", "children", "son", "daughter", "baby"),
    "child": ("kid", "son", "daughter", "baby"),
    "children": ("kid", "son", "daughter", "baby"),
    "partner": ("wife", "husband", "girlfriend", "boyfriend", "spouse", "fiancé", "fiance", "dating", "married"),
    "seeing": ("dating", "single", "partner", "girlfriend", "boyfriend", "married", "broke up", "relationship"),
    "dating": ("single", "partner", "girlfriend", "boyfriend", "broke up", "relationship"),
    "single": ("dating", "partner", "broke up", "married", "relationship"),
    "relationship": ("dating", "single", "partner", "married", "broke up"),
    "married": ("wife", "husband", "wedding", "spouse"),
    "car": ("drive", "vehicle"),
    "drive": ("car", "vehicle"),
    "birthday": ("born",),
    "born": ("birthday",),
    "allergic": ("allergy", "intolerant"),
    "allergy": ("allergic", "intolerant"),
    "eat": ("diet", "vegetarian", "vegan", "food"),
    "diet": ("eat", "vegetarian", "vegan", "food"),
    "hobby": ("enjoy", "love", "like", "play", "collect", "into", "free time", "weekend"),
    "phone": ("mobile", "smartphone", "iphone", "android", "pixel", "samsung"),
    "sport": ("play", "team", "match", "club", "league", "race", "train"),
    "language": ("speak", "learn", "fluent", "study", "lesson"),
    "school": ("pupil", "class", "teacher", "primary", "secondary", "college", "academy", "grade"),
    "university": ("uni", "college", "studied", "graduated", "degree"),
    "instrument": ("play", "piano", "guitar", "violin", "drums", "cello", "flute", "lesson"),
    "learn": ("lesson", "study", "practise", "practice", "course"),
    "sibling": ("brother", "sister"),
    "parent": ("mother", "father", "mum", "mom", "dad"),
}
_SLOT_WORDS = {_STEMMER.stemWord(word): related for word, related in _SLOT_WORDS_BY_WORD.items()}
# A question word that asks for one of ``memory.claims``' slots: "What do I do for work?" is answered by
# "I'm a baker now" (slot occupation) though they share no word.
_WORK = ("occupation", "employer", "field", "workplace")
_HOME = ("residence", "dwelling")
_COUPLE = ("partner", "relationship")
_CLAIM_SLOTS_BY_WORD: dict[str, tuple[str, ...]] = {
    "job": _WORK, "work": _WORK, "profession": _WORK, "occupation": _WORK, "career": _WORK, "employer": _WORK,
    "live": _HOME, "home": _HOME, "city": _HOME, "town": _HOME, "address": _HOME, "based": _HOME,
    "drink": ("favourite:drink", "favourite:beverage"), "diet": ("diet",), "allergic": ("allergy",),
    "allergy": ("allergy",), "partner": _COUPLE, "married": _COUPLE, "single": _COUPLE, "dating": _COUPLE,
    "seeing": _COUPLE, "relationship": _COUPLE, "kid": ("children",), "child": ("children",),
    "children": ("children",),
}  # fmt: skip
_CLAIM_SLOTS = {_STEMMER.stemWord(word): slots for word, slots in _CLAIM_SLOTS_BY_WORD.items()}
_PHRASES = ((re.compile(r"\bfor a living\b"), "job"), (re.compile(r"\bseeing anyone\b"), "seeing"))
_POSSESSIVE = re.compile(r"\bmy\s+(?:favou?rite\s+|best\s+|own\s+|current\s+|new\s+|old\s+)*(?P<head>[a-z]+)(?:'s)?")


@dataclass(frozen=True)
class Answer:
    memory: Memory
    shared_words: int
    similarity: float
    fills_slot: bool = False  # states the user's own value for what is asked ("I'm a nurse" for work)


def answering_memories(
    question: str, memories: Sequence[Memory], question_vector: np.ndarray, memory_vectors: np.ndarray
) -> list[Answer]:
    """The current memories that answer ``question``, best first (usually one, at most two; may be none).

    Vectors are unit-length embeddings of the question and of each memory's text, in order.
    """
    focus = focus_stems(question)
    head = _head_stem(question)
    thing = _asked_thing(question, head)
    asked = {slot for stem in focus for slot in _CLAIM_SLOTS.get(stem, ())}
    kind = asked_kind(question)
    answers = []
    for memory, vector in zip(memories, memory_vectors, strict=True):
        if not holds_kind(memory.text, kind):
            continue  # "What's my boss called?" is not answered by "My boss is a nightmare"
        similarity = float(np.dot(question_vector, vector))
        words = _memory_words(memory)
        shared = sum(1 for stem in focus if _matches(stem, words))
        if head is not None and not _matches(head, words) and _contrasts(head, memory.text):
            continue  # "my dog" is never answered by "my cat", "my wife" never by "my sister"
        fills_slot = bool(asked) and _fills(asked, memory.text)
        if thing is not None and not _matches(thing, words) and similarity < ASKED_THING_SIMILARITY and not fills_slot:
            continue  # "Which school does my son go to?" is not answered by "My son is seven"
        shared += fills_slot and not shared
        if (shared and similarity >= MIN_SIMILARITY) or similarity >= DENSE_ONLY_SIMILARITY or fills_slot:
            answers.append(Answer(memory=memory, shared_words=shared, similarity=similarity, fills_slot=fills_slot))
    answers.sort(key=lambda a: (a.shared_words, a.similarity), reverse=True)
    if (
        len(answers) > 1
        and not answers[1].fills_slot
        and (
            answers[1].shared_words < answers[0].shared_words
            or answers[0].similarity - answers[1].similarity > SECOND_ANSWER_MARGIN
        )
    ):
        return answers[:1]  # a second memory that states the asked thing itself is always said
    return answers[:2]


def _fills(slots: set[str], text: str) -> bool:
    """Whether ``text`` states the user's own value for one of ``slots`` ("I'm a baker now": occupation)."""
    return any(c.slot in slots and c.subject == SELF and not c.negated for c in claims(text))


def _stems(words: str) -> frozenset[str]:
    return frozenset(_STEMMER.stemWords(words.split(" ")))


# Things of one kind that are not each other: a question about one is not answered by a memory about another.
# A word that names the whole kind ("pet", "partner", "parent") is not in a set: it matches its members.
_CONTRAST_SETS: tuple[frozenset[str], ...] = tuple(
    _stems(group)
    for group in (
        "mother mom mum father dad sister brother wife husband son daughter grandmother grandma grandfather "
        "grandpa aunt uncle cousin niece nephew girlfriend boyfriend fiance fiancee stepmother stepfather boss",
        "dog cat parrot rabbit hamster horse bird turtle tortoise snake guinea puppy kitten",
        "book movie film band song album show series game podcast singer actor author writer artist team",
        "food drink dish dessert fruit vegetable cocktail beer wine coffee tea snack",
        "colour color sport city country language car bike phone school university",
    )
)
_SAME_THING = (
    _stems("movie film"),
    _stems("author writer"),
    _stems("mother mom mum"),
    _stems("father dad"),
    _stems("colour color"),
    _stems("dog puppy"),
    _stems("cat kitten"),
    _stems("grandmother grandma"),
    _stems("grandfather grandpa"),
)
_MEMORY_HEADS = re.compile(r"\b(?:my|our)\s+(?:favou?rite\s+|best\s+|little\s+|older\s+|younger\s+)*([a-z]+)")
_ARTICLE_HEADS = re.compile(r"\b(?:a|an)\s+(?:little\s+|baby\s+|new\s+|older\s+|younger\s+)?([a-z]+)")


def _contrasts(head: str, text: str) -> bool:
    """Whether ``text`` is about another thing than ``head``, the thing asked about: "my cat" for "my dog",
    or any other thing these sets know ("I have a daughter called Mia" does not name "my cat")."""
    if not any(head in group for group in _CONTRAST_SETS):
        return False
    lowered = text.lower().replace("’", "'")
    named = _MEMORY_HEADS.findall(lowered) + _ARTICLE_HEADS.findall(lowered)
    for word in named:
        other = _STEMMER.stemWord(word[:-2] if word.endswith("'s") else word)
        same = other == head or any(head in group and other in group for group in _SAME_THING)
        if not same and any(other in group for group in _CONTRAST_SETS):
            return True
    return False


def focus_stems(question: str) -> list[str]:
    """The question's content words, stemmed; "for a living" counts as the word "job"."""
    words = [w for w in _WORD.findall(_normalized(question)) if w not in _QUESTION_WORDS]
    words = [w[:-2] if w.endswith("'s") else w for w in words]
    return list(dict.fromkeys(_STEMMER.stemWords(words)))


def _normalized(question: str) -> str:
    text = question.lower().replace("’", "'")
    for pattern, word in _PHRASES:
        text = pattern.sub(word, text)
    return text


def _head_stem(question: str) -> str | None:
    match = _POSSESSIVE.search(_normalized(question))
    if match is None or match["head"] in _QUESTION_WORDS:
        return None
    return _STEMMER.stemWord(match["head"])


_WHICH_THING = re.compile(r"^\W*(?:so |and |but )?(?:what|which)\s+(?:kind of |type of |sort of )?(?P<thing>[a-z]+)\b")


def _asked_thing(question: str, head: str | None) -> str | None:
    """The kind of thing a which/what question asks for ("Which school ...?": school), if the contrast sets know it."""
    match = _WHICH_THING.search(_normalized(question))
    if match is None:
        return None
    thing = _STEMMER.stemWord(match["thing"])
    known = any(thing in group for group in _CONTRAST_SETS)
    return thing if known and thing != head else None


def _memory_words(memory: Memory) -> tuple[set[str], str]:
    """Stems of a memory's text and context (a replacing memory inherits the words of what it replaced)."""
    text = f"{memory.text}\n{memory.context or ''}".lower().replace("’", "'")
    stems = set(_STEMMER.stemWords([w[:-2] if w.endswith("'s") else w for w in _WORD.findall(text)]))
    return stems, text


def _matches(stem: str, words: tuple[set[str], str]) -> bool:
    stems, text = words
    if stem in stems:
        return True
    related = _SLOT_WORDS.get(stem, ())
    return any((" " in word and word in text) or _STEMMER.stemWord(word) in stems for word in related)
