"""Claim rules for the generic forms: "I stopped / gave up / no longer X" and "I switched (from X) to Y"."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .claims import SELF, Claim, Clause
from .rule_helpers import (
    drop_verbs,
    last_content_word,
    phrase,
)

FREE_OF = re.compile(r"\b(?P<v>[a-z]+)-free\b(?! (?:zone|version|option|menu|diet|day|days|week|trial))")


GAVE_IT_UP = re.compile(
    r"\b(?:gave|give|giving|given) (?:it|them|that) up\b|\b(?:quit|stopped|dropped|ditched|sold|"
    r"got rid of|gave away|left) (?:it|them|that)\b"
)


STOPPED = re.compile(
    r"\b(?P<verb>stopped|stop|quit|quitting|gave up|give up|giving up|given up|cut out|cutting out|got rid of|"
    r"left|dropped|ditched|kicked|abandoned|no more|without|instead of|came off|off|done with|over|"
    r"(?-i:(?<=cut )(?=\w+(?: \w+)? out\b)))\s*"
    r"(?:on\s+)?(?:being (?:a |an )?)?(?P<v>.+)"
)


NO_LONGER = re.compile(
    r"\b(?:no longer|not|never)\s+(?:really\s+|even\s+|actually\s+)?(?P<v>.+?)\s+(?:any more|any longer)\b"
    r"|\bno longer\s+(?P<w>.+)"
)


SWAPPED = re.compile(
    r"\b(?:swapped|swap|swapping|exchanged|traded|replaced|replacing) (?:my |our |the )?"
    r"(?P<x>[\w' -]+?) (?:for|with) (?:a |an |the |some )?(?P<v>\w+)"
)
SWITCHED = re.compile(
    r"\b(?:switched|switching|switch|changed|converted|swapped|moved over|gone over|went over|changed over|"
    r"upgraded|downgraded|transitioned)\s+(?:over\s+)?(?:from\s+(?P<x>.+?)\s+)?to\s+(?P<v>.+)"
)


# "I haven't climbed since the accident", "I haven't been running for months"
NOT_SINCE = re.compile(
    r"\b(?:i|we) (?:haven'?t|have not|hasn'?t) (?:(?P<v>[a-z]+ed)|been (?P<g>[a-z]+ing))\b"
    r"(?=.*\b(?:since|in (?:months|years|ages|weeks)|for (?:months|years|ages|weeks)|any more|anymore)\b)"
)
# "spicy food doesn't agree with me any more": the user turned against it
DISAGREES = re.compile(
    r"^(?:but |and |sadly |now )?(?P<v>[a-z][\w' -]*?) (?:doesn'?t|does not|don'?t|do not|no longer) "
    r"(?:really )?agrees? with me\b"
)


LEFT_NOT_ENDED = re.compile(
    r"^(?:the |my )?(?:house|home|office|work|room|party|building|station|airport|early|"
    r"late|it|them|him|her|a|an|at|for|after|behind|on|in|out|town|school|class|the car)\b"
)


def generic(c: Clause) -> Iterable[Claim]:
    """ "I stopped / gave up / no longer X" ends whatever X was; "I switched to Y" replaces a like value."""
    for m in STOPPED.finditer(c.low):
        target = m["v"]
        if m["verb"] in ("left", "off", "over", "done with") and LEFT_NOT_ENDED.match(target):
            continue
        if m["verb"] in ("without",) and not re.search(r"\b(again|now|any more)\b", c.low):
            continue
        value = phrase(drop_verbs(target), 4)
        if value:
            yield c.claim("any", value, negated=True, changed=True)
    for m in NOT_SINCE.finditer(c.low):
        doing = m["g"] or m["v"][:-2] + "ing"  # "climbed" is keyed as "climbing" is
        yield c.claim("any", doing, negated=True, changed=True, raw=m["v"] or m["g"])
    if m := DISAGREES.search(c.low):
        yield c.claim("like", phrase(drop_verbs(m["v"]), 4), negated=True, changed=True, subject=SELF)
    for m in FREE_OF.finditer(c.low):  # "I'm cancer-free now", "we're car-free"
        yield c.claim("any", m["v"], negated=True, changed=True)
    if GAVE_IT_UP.search(c.low) and c.before:  # "I haven't touched the piano in years, I gave it up"
        value = last_content_word(c.before)
        if value:
            yield c.claim("any", value, negated=True, changed=True)
    for m in NO_LONGER.finditer(c.low):  # the whole span: "I don't have time for golf any more"
        value = " ".join(drop_verbs(m["v"]).split()[:6]) if m["v"] else phrase(drop_verbs(m["w"]), 4)
        if value:
            yield c.claim("any", value, negated=True, changed=True)
    for m in SWAPPED.finditer(c.low):  # "I've swapped crossfit for yoga"
        swapped = phrase(drop_verbs(re.sub(r"^in\s+", "", m["x"])), 4)
        if swapped:
            yield c.claim("any", swapped, negated=True, changed=True)
    for m in SWITCHED.finditer(c.low):
        if m["x"]:
            yield c.claim("any", phrase(drop_verbs(m["x"]), 4), negated=True, changed=True)
        value = phrase(drop_verbs(c.cased(m)), 4)
        if value:
            yield c.claim("switch", value, changed=True, covers=("from",) if m["x"] else ())


RULES = (generic,)
