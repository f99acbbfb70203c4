"""Text helpers the claim rules share: cutting a value out of a clause, names, negation before a verb.

Each rule looks at one clause (``memory.claims.Clause``) and returns the claims it recognises. Rules
live in modules by topic: ``rules_home``, ``rules_work``, ``rules_people`` (partner, children, age,
name), ``rules_food`` (diet, likes, favourites), ``rules_activity`` (hobbies, health), ``rules_things``
(pets, possessions, contact, commute) and ``rules_generic`` ("I stopped X", "I switched to Y").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .claims import STOP, TIME_WORDS, Claim, Clause
from .lexicon import words

Rule = Callable[[Clause], Iterable[Claim]]

BOUNDARY = set(
    words("""every each at in on for since now any again because when so but and or after before until last this
    next twice once daily weekly from these lately currently still too as either though yesterday today
    tonight with to instead nowadays professionally completely entirely anyway altogether here there ago
    full part-time anymore than over while if which who where whenever is are was were will would be been
    by about around near like since till out""")
)
LEADING_FILLER = re.compile(
    r"^(?:a lot of|lots of|a bit of|plenty of|a little|some|any|more|much|many|the|a|an|"
    r"my|our|his|her|their)\s+",
    re.I,
)
NEGATION_BEFORE = re.compile(
    r"\b(not|no longer|never|used to|stopped|stop|quit|gave up|give up|cut out|cut down on|avoid|avoiding|"
    r"without|no more|none)\b"
)
MONTHS_AND_DAYS = set(
    words("""january february march april may june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday christmas easter""")
)


def phrase(text: str, limit: int = 5) -> str:
    """The value at the start of ``text``: words up to a boundary word ("tennis every Sunday" -> "tennis")."""
    text = text.strip()
    for _ in range(3):
        text = LEADING_FILLER.sub("", text)
    words = []
    for word in text.split():
        bare = word.strip('.,!?;:"()').lower()
        if not bare or bare in BOUNDARY or len(words) >= limit:
            break
        words.append(word.strip('.,!?;:"()'))
        if word[-1:] in ",.!?;:":
            break
    return " ".join(words)


def capitalised(text: str, limit: int = 4) -> str:
    """The first run of capitalised words in ``text`` ("a flat in Manchester city centre" -> "Manchester")."""
    run: list[str] = []
    for word in text.split():
        bare = word.strip(".,!?;:\"()'")
        if bare[:1].isupper() and bare.lower() not in MONTHS_AND_DAYS and bare != "I":
            run.append(bare)
            if len(run) >= limit or word[-1:] in ",!?;:" or word[-1:] == "." and bare not in ABBREVIATIONS:
                break
        elif run:
            if bare.lower() in {"de", "la", "le", "del", "of", "upon", "am", "on", "st", "st."}:
                run.append(bare)
                continue
            break
    while run and run[-1].lower() in {"de", "la", "le", "del", "of", "upon", "am", "on"}:
        run.pop()
    return " ".join(run)


ABBREVIATIONS = {"St", "Dr", "Mt", "Mr", "Mrs", "Ms", "Ft", "Jr", "Sr"}


def negated_before(low: str, position: int, window: int = 28) -> bool:
    """A negation in the few words before ``position`` ("I don't eat ...", "I stopped eating ...")."""
    return NEGATION_BEFORE.search(low[max(0, position - window) : position]) is not None


def ended(low: str) -> bool:
    """The clause says something is over: "any more", "no longer", "used to"."""
    return re.search(r"\b(any more|any longer|no longer|used to|no more)\b", low) is not None


def alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


LEADING_VERBS = re.compile(
    r"^(?:playing|play|eating|eat|drinking|drink|taking|take|doing|do|going|go|being|"
    r"using|use|having|have|going to|listening to|watching|working at|working for|"
    r"working as|working|being a|being an)\s+(?:to\s+)?(?:the\s+|a\s+|an\s+|my\s+)?"
)


def last_content_word(text: str) -> str:
    tokens = [w.strip(".,!?").lower() for w in text.split()]
    content = [w for w in tokens if w not in STOP and w not in TIME_WORDS and w.isalpha() and w not in PRONOUNS]
    return content[-1] if content else ""


PRONOUNS = frozenset(
    words("i me we us you he she they them it have has had not am is are was were been do does did touched played used")
)


def drop_verbs(text: str) -> str:
    """ "playing tennis" -> "tennis", "taking sertraline" -> "sertraline": the object is what ended."""
    text = text.strip()
    for _ in range(2):
        text = LEADING_VERBS.sub("", text)
    return text
