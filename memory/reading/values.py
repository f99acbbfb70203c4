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
