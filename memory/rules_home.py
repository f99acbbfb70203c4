"""Claim rules for where someone lives: the place, the kind of home, and who with."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .claims import SELF, Claim, Clause
from .lexicon import DWELLINGS, PARTNERS, PEOPLE, PLACE_NOUNS
from .rule_helpers import (
    alternation,
    capitalised,
    ended,
    negated_before,
    phrase,
)

HOME_SLOTS = ("residence", "dwelling", "household")


PLACE_WORDS = PLACE_NOUNS | DWELLINGS | {"home", "place", "hometown"}


LIVE = re.compile(
    r"\b(?P<verb>live|lives|living|lived|reside|resides|residing|based|settled|stay|stays|staying)\b\s*"
    r"(?P<prep>on my own|by myself|alone|together|close to|outside|in|at|on|with|near|by)?\b\s*(?P<v>.*)"
)


HOME_IS = re.compile(r"\b(?:my|our) (?:new )?(?:home|base) is (?:now )?(?:in )?(?P<v>.+)")


BE_IN = re.compile(
    r"\b(?:i|we) (?:am|are) (?P<neg>not |no longer )?(?:now |currently |still |permanently |)"
    r"(?P<back>back |home |living |based )?in (?P<v>.+)"
)


NEW_PLACE = re.compile(
    r"\b(?:our|my|a) new (?:place|home|house|flat|apartment|pad|digs|condo)\b(?: (?:in|at|near) "
    r"(?P<v>.+))?"
)


CALL_HOME = re.compile(r"\b(?:now )?call (?P<v>.+?) home\b|\bhome is (?:now )?(?P<w>(?-i:[A-Z]).+)", re.I)


MOVE = re.compile(
    r"\b(?P<verb>moved|move|moving|relocated|relocate|relocating|emigrated|emigrate|emigrating)\b"
    r"(?P<part>(?:\s+(?:back|over|down|up|out|away|abroad|house|home|here|there|across|permanently|finally|"
    r"recently|all the way))*)\s*(?P<prep>to|into|in with|in to|in|out of|from)?\b\s*(?P<v>.*)"
)


ADDRESS = re.compile(r"\bmy (?:new |home |current )*address is (?:now )?(?:in |on )?(?P<v>.+)")
OWN_PLACE = re.compile(
    r"\b(?:got|have|has|found|bought|rent|renting|moved into|into) (?:my|our|a) own "
    r"(?:place|flat|apartment|house|home|room)\b|\ba place of (?:my|our) own\b"
)
HOUSING = re.compile(
    r"\b(?P<verb>rent|rents|renting|own|owns|bought|buy|buying|have|has|got|share|shares|sharing|found)\s+"
    r"(?:a |an |the |my |our )?(?:own |new |first |dream |forever |family |small |little |big |tiny |nice |"
    r"one-bedroom |two-bedroom |shared )*"
    r"(?P<v>(?:studio |tiny |terraced |detached |semi-detached )?(?:" + alternation(DWELLINGS) + r"))\b"
    r"(?:\s+with\s+(?P<with>.+))?"
)


def residence(c: Clause) -> Iterable[Claim]:
    """Where the subject lives: the place, the kind of home, and who with."""
    for m in LIVE.finditer(c.low):
        if not _subject_verb(c.low, m.start()):
            continue
        negated = (
            negated_before(c.low, m.start())
            or ended(c.low)
            or (m["verb"] == "lived" and not re.search(r"\b(have|has)\s+(always\s+)?lived", c.low))
        )
        prep, tail = m["prep"] or "", c.cased(m)
        if prep in ("alone", "by myself", "on my own"):
            yield c.claim("household", "alone", negated=negated)
        elif prep == "with":
            yield c.claim("household", _people(phrase(tail)), negated=negated)
        elif prep in ("in", "at", "on", "outside"):
            yield from _places(c, tail, negated=negated, changed=c.changed)
    for m in HOME_IS.finditer(c.low):
        yield from _places(c, c.cased(m), negated=ended(c.low), changed=c.changed)
    for m in NEW_PLACE.finditer(c.low):
        if m["v"]:
            yield from _places(c, c.cased(m), negated=False, changed=True, covers=HOME_SLOTS, only_names=True)
        else:
            yield c.claim("dwelling", changed=True)
    for m in CALL_HOME.finditer(c.text):
        yield from _places(c, m["v"] or m["w"], negated=False, changed=True, covers=HOME_SLOTS, only_names=True)
    for m in BE_IN.finditer(c.low):
        if (
            m["neg"]
            or m["back"]
            or re.search(r"\b(now|these days|currently|permanently|any more|full time|for good)\b", c.low)
        ):
            yield from _places(c, c.cased(m), negated=bool(m["neg"]) or ended(c.low), changed=True, only_names=True)
    for m in MOVE.finditer(c.low):
        yield from _move(c, m)
    for m in ADDRESS.finditer(c.low):
        yield from _places(c, c.cased(m), negated=ended(c.low), changed=True, covers=HOME_SLOTS, only_names=True)
    if OWN_PLACE.search(c.low):  # "I've got my own place now": no longer with parents or flatmates
        yield c.claim("household", "own place", changed=True)
    for m in HOUSING.finditer(c.low):
        if m["verb"] in ("have", "has") and not _subject_verb(c.low, m.start()):
            continue
        gone = negated_before(c.low, m.start()) or ended(c.low)
        yield c.claim("dwelling", m["v"], negated=gone, changed=c.changed or m["verb"] in ("bought", "got", "found"))
        if m["with"]:
            yield c.claim("household", _people(phrase(m["with"])), negated=gone)


def _move(c: Clause, m: re.Match[str]) -> Iterable[Claim]:
    prep, part, tail = m["prep"] or "", m["part"] or "", c.cased(m)
    if prep == "in" and re.search(r"\b(out|away|house|abroad)\b", part):
        prep = ""  # "moved out in June": "in" starts a time, not a place
    if prep == "in with":
        mover = c.low[: m.start()].split()
        if phrase(m["v"]).lower() in ("me", "us"):  # "my boyfriend moved in with me": the user's household
            yield c.claim("household", _people(" ".join(mover[-2:])), subject=SELF, changed=True)
        else:
            yield c.claim("household", _people(phrase(tail)), changed=True)
        return
    if prep == "out of":
        out_of = phrase(tail)
        if any(word.strip("'s") in PEOPLE for word in out_of.lower().split()):
            yield c.claim("household", _people(out_of), negated=True, changed=True)
        elif out_of:
            yield c.claim("residence", out_of, negated=True, changed=True)
        yield c.claim("residence", changed=True, covers=HOME_SLOTS)
        return
    if prep == "from":
        origin, _, destination = tail.partition(" to ")
        if capitalised(origin):
            yield c.claim("residence", capitalised(origin), negated=True, changed=True)
        if destination:
            yield from _places(c, destination, negated=False, changed=True, covers=HOME_SLOTS)
        return
    if prep in ("to", "into", "in to", "in") and not re.search(r"\bover\b", part):  # "moved over to Apple Music"
        yield from _places(c, tail, negated=False, changed=True, covers=HOME_SLOTS)
        return
    if re.search(r"\b(house|home|abroad|away|out|back|across)\b", part):
        yield c.claim("residence", "abroad" if "abroad" in part else "", changed=True, covers=HOME_SLOTS)


def _places(
    c: Clause, tail: str, *, negated: bool, changed: bool, covers: tuple[str, ...] = (), only_names: bool = False
) -> Iterable[Claim]:
    """The place (a capitalised name or a place noun) and the kind of home named in ``tail``."""
    name = capitalised(tail)
    words = [w.strip(".,!?;:'").lower() for w in tail.split()[:8]]
    dwelling = next((w for w in words if w in DWELLINGS), None)
    if dwelling and not only_names and words.index(dwelling) < 4:
        yield c.claim("dwelling", dwelling, negated=negated, changed=changed)
    if name:
        yield c.claim("residence", name, negated=negated, changed=changed, covers=covers)
    elif not only_names:
        place = next((w for w in words[:5] if w in PLACE_WORDS), None)
        if place:
            before = words[: words.index(place)]
            value = " ".join([*before[-1:], place]) if before and before[-1] not in ("a", "the", "my") else place
            yield c.claim("residence", value, negated=negated, changed=changed, covers=covers)


def _subject_verb(low: str, position: int) -> bool:
    """The verb at ``position`` has a subject or auxiliary just before it ("I live", "she is living")."""
    before = low[max(0, position - 40) : position].split()[-4:]
    return bool(before) and any(
        w
        in {
            "i",
            "we",
            "am",
            "are",
            "is",
            "has",
            "have",
            "been",
            "still",
            "now",
            "currently",
            "also",
            "to",
            "not",
            "longer",
            "who",
            "they",
            "he",
            "she",
            "both",
            "all",
            "usually",
            "mostly",
            "happily",
            "finally",
            "actually",
            "really",
            "permanently",
            "temporarily",
            "officially",
            "me",
        }
        or w in PEOPLE
        or w in PARTNERS
        for w in before
    )


def _people(text: str) -> str:
    words = [w.lower().strip("'s").strip("'") for w in text.split()]
    people = [PEOPLE.get(w) or ("partner" if w in PARTNERS else None) for w in words]
    found = [p for p in people if p]
    return " ".join(found) if found else text


RULES = (residence,)
