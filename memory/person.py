"""First person to second person: the assistant repeats what a user said about themselves as "you".

Memories are stored in the user's own words ("I have two kids, Leo and Mia"). Quoted back verbatim,
they read as if the assistant were the user; this rewrites them ("You have two kids, Leo and Mia").
"""

from __future__ import annotations

import re

# Longest forms first so "I'm" is not read as "I" + "'m". Keys are lower case.
_SUBJECT_FORMS: dict[str, str] = {
    "i am": "you are",
    "i'm": "you're",
    "i was": "you were",
    "i've": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
    "we're": "you're",
    "we've": "you've",
    "we'd": "you'd",
    "we'll": "you'll",
    "we were": "you were",
    "i": "you",
    "we": "you",
}
_OTHER_FORMS: dict[str, str] = {
    "my": "your",
    "mine": "yours",
    "me": "you",
    "myself": "yourself",
    "our": "your",
    "ours": "yours",
    "us": "you",
    "ourselves": "yourselves",
    # What the user said about the assistant turns round too.
    "your": "my",
    "yours": "mine",
    "yourself": "myself",
}
_FORMS = {**_SUBJECT_FORMS, **_OTHER_FORMS}
_PATTERN = re.compile(
    r"\b("
    + "|".join(re.escape(form).replace(r"\ ", r"\s+") for form in sorted(_FORMS, key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'"})
# "Us" is also the country; "US" and "U.S." are left alone by matching case below.
_KEEP_AS_IS = {"US"}


def to_second_person(text: str) -> str:
    """``text`` with the speaker as "you": "My sister lives in Porto" -> "Your sister lives in Porto"."""
    text = text.translate(_APOSTROPHES).strip()

    def swap(match: re.Match[str]) -> str:
        found = match.group(0)
        if found in _KEEP_AS_IS or _in_address(text, match.start(), match.end()):
            return found
        replacement = _FORMS[re.sub(r"\s+", " ", found.lower())]
        before = text[: match.start()].rstrip()
        starts_sentence = not before or before[-1] in ".!?"
        return replacement.capitalize() if found[0].isupper() and starts_sentence else replacement

    return _PATTERN.sub(swap, text)


def _in_address(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is part of an email address or a web address ("kat@proton.me", "me.com/i")."""
    token_start = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
    token_end = min((i for i in (text.find(" ", end), text.find("\n", end)) if i != -1), default=len(text))
    token = text[token_start:token_end].rstrip(".,!?;:)")
    return "@" in token or "/" in token or "." in token.strip(".")


def as_clause(text: str) -> str:
    """A memory as a clause to embed in a sentence: second person, lower-case start, no final stop."""
    clause = to_second_person(text).rstrip(" .!;")
    return clause[:1].lower() + clause[1:] if clause[:1].isupper() and not _is_name_start(clause) else clause


_CONSEQUENCE = re.compile(r",?\s+(?:so|which means|that's why|and so)\s+", re.IGNORECASE)


def cause_of(text: str) -> str:
    """What a statement gives as the reason, when it says what follows from it.

    "I've got a bad knee, so running is out for me" gives "I've got a bad knee"; a statement without
    a consequence is its own cause.
    """
    cause = _CONSEQUENCE.split(text, maxsplit=1)[0]
    return cause if len(cause.split()) >= 2 else text


def as_sentence(text: str) -> str:
    """A memory as a sentence of its own: second person, capitalised, with a final stop."""
    clause = to_second_person(text).rstrip(" ;,")
    if not clause:
        return clause
    clause = clause[0].upper() + clause[1:]
    return clause if clause[-1] in ".!?" else clause + "."


def join_clauses(clauses: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    clauses = [c for c in clauses if c]
    if len(clauses) <= 2:
        return " and ".join(clauses)
    return ", ".join(clauses[:-1]) + " and " + clauses[-1]


def _is_name_start(clause: str) -> bool:
    """A clause that starts with a name keeps its capital: "Mark and you broke up", "Emma's garden", "NASA ...".

    A sentence always starts with a capital, so a first word counts as a name only when it looks like one:
    joined to another subject, possessive, or all capitals.
    """
    words = clause.split(" ")
    first = words[0]
    if not first[:1].isupper():
        return False
    return first.endswith("'s") or (len(first) > 1 and first.isupper()) or (len(words) > 1 and words[1] == "and")
