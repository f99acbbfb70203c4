"""The values a statement carries once its slot is known: names, numbers and dates, as written.

Rules are the right tool here: a number is a number in any phrasing. Two statements whose values
differ are never duplicates ("locker 4101" / "locker 4102"), and a name the user gives for
themselves is read from the statement the name head picked.
"""

from __future__ import annotations

import re

MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
]
_NUMBER = re.compile(r"(?<![\w.])[£$€]?\d+(?:[.,:/]\d+)*(?:st|nd|rd|th|k|kg|km|mg|%)?(?![\w])", re.IGNORECASE)
_MONTH = re.compile(r"\b(" + "|".join(MONTHS) + r")\b", re.IGNORECASE)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]*[a-z0-9][\w'’-]*")
_NOT_NAMES = frozenset({"I", "I'm", "I've", "I'd", "I'll", "OK", "Ok"})
_SELF_NAME = re.compile(
    r"\b(?:my name is|my name's|name's|call me|i am|i'm|im|this is|it's)\s+(?P<name>[A-Za-z][a-z'’-]+)", re.IGNORECASE
)
_NOT_A_NAME = frozenset(
    [
        "a",
        "an",
        "the",
        "so",
        "not",
        "just",
        "very",
        "really",
        "here",
        "back",
        "home",
        "tired",
        "fine",
        "good",
        "ok",
        "okay",
        "sorry",
        "glad",
        "happy",
        "new",
        "from",
        "in",
        "at",
        "on",
        "going",
        "trying",
        "still",
        "also",
        "currently",
        "now",
    ]
)


def values(text: str) -> list[str]:
    """Numbers, months and capitalised words (not the first word, not "I"), in order, once each."""
    found = [m.group(0).lower() for m in _NUMBER.finditer(text)]
    found += [m.group(1).lower() for m in _MONTH.finditer(text)]
    found += [m.group(0) for m in _CAPITALISED.finditer(text) if m.group(0) not in _NOT_NAMES]
    return list(dict.fromkeys(found))


def distinct_values(a: str, b: str) -> bool:
    """Whether two texts carry different values: then they are two facts, however close their words."""
    return sorted(v.casefold() for v in values(a)) != sorted(v.casefold() for v in values(b))


def self_name(text: str) -> str | None:
    """The name in "I'm Tomasz" / "call me jo": only asked of a statement already read as the user's name."""
    for match in _SELF_NAME.finditer(text):
        name = match["name"].strip("'’-")
        if name.casefold() not in _NOT_A_NAME and len(name) > 1:
            return name[0].upper() + name[1:]
    return None


# What kind of value a question asks for, when it asks for one: a memory without a value of that kind
# does not answer it ("What's my boss called?" is not answered by "My boss is a nightmare").
_ASKS_NAME = re.compile(r"\b(?:name|names|called|named)\b", re.IGNORECASE)
_ASKS_TIME = re.compile(r"\bwhat time\b|\bwhen exactly\b", re.IGNORECASE)
_ASKS_NUMBER = re.compile(r"\bhow (?:much|old|tall)\b|\b(?:number|digits|code|pin|password|passcode)\b", re.I)
_NAMING = re.compile(r"\b(?:called|named|name is|name's|names are)\s+\S", re.IGNORECASE)
_CLOCK = re.compile(
    r"\b\d{1,2}(?:[:.]\d{2})\s*(?:am|pm)?\b|\b\d{1,2}\s*(?:am|pm)\b|\bnoon\b|\bmidnight\b|o'clock", re.IGNORECASE
)
_NUMBER_WORD = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|"
    r"dozen|half|a couple)\b",
    re.IGNORECASE,
)


def asked_kind(question: str) -> str | None:
    """"name", "time" or "number" when the question asks for a value of that kind, else None."""
    if _ASKS_TIME.search(question):
        return "time"
    if _ASKS_NUMBER.search(question):
        return "number"
    if _ASKS_NAME.search(question):
        return "name"
    return None


def holds_kind(text: str, kind: str | None) -> bool:
    """Whether ``text`` carries a value of ``kind`` (any text does when no kind is asked)."""
    if kind == "time":
        return bool(_CLOCK.search(text))
    if kind == "number":
        return bool(_NUMBER.search(text) or _NUMBER_WORD.search(text))
    if kind == "name":
        return bool(_NAMING.search(text) or self_name(text) or any(v[:1].isupper() for v in values(text)))
    return True
