"""What a statement asserts: who it is about, which slot of their life, which value, and whether it ended.

"I just moved to Berlin" and "I live in Paris" share no words a similarity score would weigh, yet
both fill one slot (where the user lives) of one subject (the user) with different values; "my
sister moved to Madrid" fills the same slot of someone else. ``claims`` reads those parts from the
wording with patterns (the ``memory.rules_*`` modules) and word lists (``memory.lexicon``), so that
``memory.supersede`` can decide what a new statement replaces. A statement nothing matches has no
claims; it is then only compared by similarity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .lexicon import FOOD_GROUP_OF, GENERIC_HEADS, PARTNERS, PEOPLE, words

SELF = "self"
OTHER = "other"


@dataclass(frozen=True)
class Claim:
    """One assertion about one slot of one subject.

    ``key`` identifies the value (word stems, or a category such as ``car``); ``raw`` is the value as
    written, for an embedding comparison. ``negated``: the statement says it stopped, ended or is not
    so. ``changed``: it says something is new ("now", "new", "switched", "moved"). ``additive``: it
    adds to what was there ("also", "too", "a second").
    """

    subject: str
    slot: str
    key: tuple[str, ...] = ()
    raw: str = ""
    negated: bool = False
    changed: bool = False
    additive: bool = False
    covers: tuple[str, ...] = field(default=())  # other slots of the same subject this claim also replaces


@dataclass
class Clause:
    """A piece of a statement with one subject; ``low`` is the lower-cased ``text`` (same offsets)."""

    text: str
    low: str
    subject: str
    changed: bool
    additive: bool
    before: str = ""  # the clause before this one, for "it" in "I gave it up"

    def claim(self, slot: str, value: str = "", **flags: object) -> Claim:
        flags.setdefault("changed", self.changed)
        flags.setdefault("additive", self.additive)
        subject = str(flags.pop("subject", self.subject))
        raw = str(flags.pop("raw", value)).strip()
        return Claim(subject=subject, slot=slot, key=key_of(value), raw=raw, **flags)  # type: ignore[arg-type]

    def cased(self, match: re.Match[str], group: str = "v") -> str:
        return self.text[match.start(group) : match.end(group)]


CONTRACTIONS = [
    (re.compile(r"\b(can|ca)n'?t\b", re.I), "can not"),
    (re.compile(r"\bwon'?t\b", re.I), "will not"),
    (re.compile(r"\b(\w+)n't\b", re.I), r"\1 not"),
    (re.compile(r"\bI'm\b", re.I), "I am"),
    (re.compile(r"\b(I|we|you|they)'ve\b", re.I), r"\1 have"),
    (re.compile(r"\b(we|you|they)'re\b", re.I), r"\1 are"),
    (re.compile(r"\b(I|we|you|they|he|she|it)'ll\b", re.I), r"\1 will"),
    (re.compile(r"\b(I|we|you|they|he|she)'d\b", re.I), r"\1 would"),
    (re.compile(r"\b(it|that|he|she|there|what|who)'s\b", re.I), r"\1 is"),
    (re.compile(r"\bname's\b", re.I), "name is"),
    (re.compile(r"\b(any|no) ?more\b", re.I), r"\1 more"),
    (re.compile(r"\banymore\b", re.I), "any more"),
]
CLAUSE_SPLIT = re.compile(
    r"\s*[,;:!?()\u2013\u2014]\s*|\s+-+\s+|(?<!\bSt)(?<!\bDr)(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bMt)\.(?:\s+|$)|\s+(?:and|but|so|because|though|although|since|while|then|"
    r"plus|as)\s+(?=(?:now |then |also |just |still |finally |actually |really )*(?:i|we|my|our|me)\b)",
    re.I,
)
CHANGED = re.compile(
    r"\b(now|new|newly|just|recently|switched|switching|changed|moved|became|become|started|starting|again|"
    r"these days|no longer|any more|any longer|no more|from now on|finally|replaced?|instead|nowadays|lately|"
    r"since|anymore|took up|taken up)\b",
    re.I,
)
# A wish, plan or question is not a fact yet: "I'm thinking about moving to Spain", "I applied for a job at X".
HYPOTHETICAL = re.compile(
    r"\b(?:thinking (?:about|of)|considering|consider|(?-i:might)|(?-i:may)(?! be\b)|maybe|perhaps|planning|plan to|"
    r"plans to|want to|wants to|wanted to|would (?:like|love) to|would|hope to|hoping to|"
    r"(?:am|is|are|was|were) going to (?!the\b|a\b|an\b|my\b|our\b|work\b|school\b|church\b|bed\b|be\b)\w+|"
    r"gonna|about to|dream of|dreaming of|wish|"
    r"if i|if we|should i|could|will (?!be \d)|applied for|applying for|apply for|interview(?:ed|ing)? (?:at|with|for)|"
    r"job interview|trying to decide|not sure (?:if|whether)|saving up for|save up for|looking at|test drove|"
    r"test-drove|test driving|next (?:week|month|year)|tomorrow|soon)\b",
    re.I,
)
ADDITIVE = re.compile(r"\b(also|too|as well|another|second|either|in addition|besides|as well as|extra)\b", re.I)
FIRST_PERSON_WORDS = {"i", "we", "me", "us"}
POSSESSIVES = {"my", "our"}
THIRD_PERSON = {"he", "she", "they", "his", "her", "their", "it"}
MODIFIERS = set(
    words(
        "older younger little big baby best new old late eldest oldest youngest step ex dear two three four twin "
        "elder middle"
    )
)
WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")
STOP = set(
    words("""a an the my our your his her their its some any this that these those of to in on at for with by from
    and or but so very really just also too now again then still any more no longer lot lots much many
    every each all one two three few couple bit little own new old kind sort""")
)
TIME_WORDS = set(
    words("""day days week weeks month months year years morning mornings evening evenings night nights today
    yesterday tomorrow weekend weekends monday mondays tuesday tuesdays wednesday wednesdays thursday thursdays
    friday fridays saturday saturdays sunday sundays daily weekly monthly ago time times once twice lately
    recently since last next these""")
)


def normalise(text: str) -> str:
    """Typographic quotes to plain ones and contractions spelled out ("I'm" -> "I am")."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00e9", "e")
    for pattern, replacement in CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return text


def stem(word: str) -> str:
    """A crude stem so "teaching", "teacher" and "teach" or "runs" and "running" compare equal."""
    w = word.lower().strip("'")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("ing"):
        w = w[:-3]
    elif len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 4 and w.endswith(("ches", "shes", "sses", "xes")):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    if len(w) > 4 and w.endswith(("er", "or")):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]
    return w


def key_of(value: str) -> tuple[str, ...]:
    """The content words of a value as stems, without articles, time words or generic heads."""
    words = [w for w in WORD.findall(value.lower()) if w not in STOP and w not in TIME_WORDS]
    while len(words) > 1 and words[-1] in GENERIC_HEADS:  # "rock music" is about rock; "book club" keeps "book"
        words = words[:-1]
    return tuple(stem(w) for w in words)


def group_of(stems: tuple[str, ...]) -> str | None:
    """The food group a value belongs to ("red meat" and "beef" -> meat), if any."""
    return next((_GROUP_OF_STEM[word] for word in reversed(stems) if word in _GROUP_OF_STEM), None)


_GROUP_OF_STEM = {stem(name): group for name, group in FOOD_GROUP_OF.items()}


def split_clauses(text: str) -> list[str]:
    return [part.strip() for part in CLAUSE_SPLIT.split(text) if part and part.strip()]


def subject_of(clause: str, previous: str) -> str:
    """Who a clause is about: ``self`` (the user), a person noun ("sister"), ``partner`` or ``other``.

    The first pronoun or possessive in the opening words decides; a clause without one (", so no more
    glasses") keeps the subject of the clause before it.
    """
    words = clause.split()
    lowered = [w.lower().strip('.,!?;:"') for w in words]
    for index, word in enumerate(lowered[:6]):
        if word in FIRST_PERSON_WORDS or lowered[index + 1 : index + 3] in (["and", "i"], ["and", "me"]):
            return SELF  # "I ...", "we ...", "Anna and I ..."
        if word in THIRD_PERSON:
            return OTHER
        if word in POSSESSIVES:
            return _possessed(lowered[index + 1 : index + 6])
        if index == 0 and words[0][:1].isupper() and word not in LEADING_WORDS:
            return OTHER  # "Tom's birthday ...", "Radiohead is ..."
    return previous


THEY = re.compile(r"^(?:and |so |but )?(?P<pronoun>he|she|it|they)\b", re.I)
REFERENT = re.compile(r"\b(?P<who>(?:my|our) (?:[a-z]+ ){0,2}?[a-z]+(?: (?-i:[A-Z])\w+)?)\s*$", re.I)


def resolve_pronoun(piece: str, before: str) -> str:
    """ "RIP to my cat Misty, she died": "she" is "my cat Misty" when the clause before ends with her."""
    pronoun = THEY.match(piece)
    referent = REFERENT.search(before) if pronoun and before else None
    if referent is None:
        return piece
    return piece[: pronoun.start("pronoun")] + referent["who"] + piece[pronoun.end("pronoun") :]


def _possessed(rest: list[str]) -> str:
    """The subject of "my ..." / "our ...": a person ("my older sister"), the partner, or the user's own thing."""
    while rest and rest[0] in MODIFIERS:
        rest = rest[1:]
    if not rest:
        return SELF
    noun = rest[0].removesuffix("'s").removesuffix("'")
    if rest[1:3] in (["and", "i"], ["and", "me"]):
        return SELF
    if noun in PARTNERS:
        return "partner"
    return PEOPLE.get(noun, SELF)


LEADING_WORDS = set(
    words("""sadly so since these now unfortunately luckily finally recently actually honestly well yes yeah no oh
    also then after one last this from as today yesterday lately nowadays currently guess big quick update news
    btw anyway fun ok okay hey hi hello good great in on at for with because but and still just not only never
    always both all back sometimes usually over""")
)


@lru_cache(maxsize=50_000)
def claims(text: str) -> tuple[Claim, ...]:
    """Every claim a statement makes, clause by clause; cached, since stored memories are parsed often."""
    found: list[Claim] = []
    subject, before = SELF, ""
    for piece in split_clauses(normalise(text)):
        piece = resolve_pronoun(piece, before)
        subject = subject_of(piece, subject)
        clause = Clause(
            text=piece,
            low=piece.lower(),
            subject=subject,
            changed=CHANGED.search(piece) is not None,
            additive=ADDITIVE.search(piece) is not None,
            before=before,
        )
        if not HYPOTHETICAL.search(piece):
            for rule in _rules():
                found.extend(rule(clause))
        before = piece
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=1)
def _rules() -> tuple:
    """Every rule, in order (imported late: the rule modules import this one)."""
    from . import rules_activity, rules_food, rules_generic, rules_home, rules_people, rules_things, rules_work

    modules = (rules_home, rules_work, rules_people, rules_food, rules_activity, rules_things, rules_generic)
    return tuple(rule for module in modules for rule in module.RULES)
