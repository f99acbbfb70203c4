"""Claim rules for a partner and relationship status, children, a death in the family, age and name."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .claims import SELF, Claim, Clause
from .lexicon import NUMBER_WORDS, PARTNERS, PEOPLE
from .rule_helpers import (
    alternation,
)

STATUS_WORDS = {
    "single": "single",
    "married": "married",
    "engaged": "engaged",
    "divorced": "single",
    "separated": "single",
    "widowed": "single",
    "taken": "dating",
    "dating": "dating",
    "in a relationship": "dating",
    "seeing someone": "dating",
}


PARTNER_NOUNS = alternation(PARTNERS)


STATUS = re.compile(
    r"\b(?:am|are|is) (?:now |currently |happily |still |officially |finally )?(?P<neg>not )?"
    r"(?P<v>single|married|engaged|divorced|separated|widowed|taken|dating|in a relationship|seeing someone)"
    r"(?: (?:to|with) (?P<name>(?-i:[A-Z])\w+))?",
    re.I,
)


GOT_STATUS = re.compile(
    r"\b(?:got|getting|get|just got) (?P<v>married|engaged|divorced|hitched)\b"
    r"|\b(?:going through|in the middle of|filed for|filing for) (?:a |the |my |our )?(?P<w>divorce|separation)\b"
)


BREAK_UP = re.compile(
    r"\b(?P<v>broke up|break up|breaking up|broken up|split up|split|separated|divorced|dumped me|"
    r"called it off|called off (?:the|our) (?:engagement|wedding)|ended things|ended it|are over|is over|"
    r"(?:no longer|not) together|(?:not|no longer) a couple|went our separate ways|parted ways|call it quits|"
    r"called it quits|ended (?:our|the|my) (?:relationship|marriage|engagement))\b"
    r"(?: with (?:my \w+ )?(?P<name>(?-i:[A-Z])\w+))?",
    re.I,
)


HAVE_PARTNER = re.compile(
    r"\b(?:i|we) (?:have|has|got|found) (?:a |an )?(?P<new>new )?(?P<p>" + PARTNER_NOUNS + r")\b"
    r"(?:,?\s+(?:named|called|whose name is)\s+(?P<name>(?-i:[A-Z])\w+))?",
    re.I,
)


PARTNER_NAMED = re.compile(
    r"\b(?:my|our) (?P<new>new )?(?P<p>" + PARTNER_NOUNS + r")(?:'s name)?(?: is| was)? "
    r"(?:called |named )?(?P<name>(?-i:[A-Z])\w+)",
    re.I,
)


DATING = re.compile(
    r"\b(?:dating|seeing|going out with|in a relationship with|married to|engaged to|with) (?P<name>(?-i:[A-Z])\w+)",
    re.I,
)


CHILDREN = re.compile(
    r"\b(?:i|we) (?:have|has|got) (?P<n>a|an|one|two|three|four|five|six|seven|\d+|no) (?:\w+ )?"
    r"(?P<k>kids|children|child|kid|sons|daughters|son|daughter|boys|girls|grandchildren|grandkids)\b"
)


NEW_CHILD = re.compile(
    r"\b(?:had|welcomed|adopted|gave birth to|delivered)\s+(?:our|my|a|an|the|her|his|their)?\s*"
    r"(?P<o>first|second|third|fourth|fifth|new|another|\d+(?:st|nd|rd|th))?\s*"
    r"(?:baby|child|kid|son|daughter|boy|girl|little boy|little girl|twins)\b|\bgave birth\b|\b(?:was|were) born\b"
)


AGE = re.compile(
    r"\b(?P<verb>am|is|turned|turning|turn|just turned|be)\s+(?P<n>\d{1,3})(?: years old| years| yrs| now)?\b"
    r"(?![-\d.,:/])(?!\s*(?:minutes|min|mins|%|kg|km|miles|lbs|pounds|cm|feet|ft|inches|dollars|euros|hours|days|weeks|"
    r"months|times|percent|points|degrees))"
)


NAME = re.compile(
    r"\bmy (?:new |real |full |first )?name is (?:now )?(?P<v>(?-i:[A-Z])[\w-]*)|\b(?:call me|i go by|people call me|"
    r"everyone calls me|changed my name to|i am called) (?:now )?(?P<w>(?-i:[A-Z])[\w-]*)",
    re.I,
)


def relationship(c: Clause) -> Iterable[Claim]:
    """The subject's relationship status and partner's name; ``partner`` facts count as the user's."""
    owner = SELF if c.subject in (SELF, "partner") else c.subject
    for m in STATUS.finditer(c.text):
        status = STATUS_WORDS[m["v"].lower()]
        if m["neg"]:
            status = "single" if status != "single" else "dating"
        yield c.claim("relationship", status, subject=owner, changed=c.changed)
        if m["name"]:
            yield c.claim("partner", c.text[m.start("name") : m.end("name")], subject=owner)
    for m in GOT_STATUS.finditer(c.low):
        said = m["v"] or "divorced"  # "going through a divorce"
        status = {"divorced": "single", "hitched": "married"}.get(said, said)
        yield c.claim("relationship", status, subject=owner, changed=True)
        yield from _partner_before(c, m.start(), owner, negated=status == "single")
    for m in BREAK_UP.finditer(c.text):
        if owner == SELF and not re.search(r"\b(we|i|us|me|our)\b", c.low):
            continue
        yield c.claim("relationship", "single", subject=owner, changed=True, covers=("partner",))
        if m["name"]:
            yield c.claim("partner", c.text[m.start("name") : m.end("name")], subject=owner, negated=True)
        yield from _partner_before(c, m.start(), owner, negated=True)
    for m in HAVE_PARTNER.finditer(c.text):
        yield c.claim("relationship", PARTNERS[m["p"].lower()], subject=owner, changed=c.changed)
        if m["name"]:
            yield c.claim("partner", c.text[m.start("name") : m.end("name")], subject=owner)
    for m in PARTNER_NAMED.finditer(c.text):
        name = c.text[m.start("name") : m.end("name")]
        if name[:1].isupper() and name.lower() not in ("i", "and"):
            yield c.claim("partner", name, subject=owner, changed=bool(m["new"]) or c.changed)
            yield c.claim("relationship", PARTNERS[m["p"].lower()], subject=owner)
    for m in DATING.finditer(c.text):
        name = c.text[m.start("name") : m.end("name")]
        if name[:1].isupper() and re.search(r"\b(i|we) (am|are|have been|started|been)\b", c.low[: m.start()]):
            yield c.claim("partner", name, subject=owner)
            yield c.claim(
                "relationship",
                "married" if "married" in m.group() else ("engaged" if "engaged" in m.group() else "dating"),
                subject=owner,
            )
    if re.search(r"\bseeing (someone|somebody)\b|\bnew (boyfriend|girlfriend|partner)\b", c.low):
        yield c.claim("relationship", "dating", subject=owner, changed=True, covers=("partner",))
    if c.subject == "partner" and PARTNER_GONE.search(c.low):  # "my husband left me", "my wife passed away"
        yield c.claim("relationship", "single", subject=SELF, changed=True, covers=("partner",))
    for m in NO_LONGER_WITH.finditer(c.text):  # "I'm no longer with Paul"
        yield c.claim("relationship", "single", subject=SELF, changed=True, covers=("partner",))
        yield c.claim("partner", m["name"], subject=SELF, negated=True)
    for m in EX_PARTNER.finditer(c.text):  # "my ex-wife Kate": Kate is not the partner any more
        yield c.claim("partner", m["name"], subject=SELF, negated=True, changed=True)
    for m in DUMPED_ME.finditer(c.text):  # "Sara dumped me": the user's relationship ended
        yield c.claim("relationship", "single", subject=SELF, changed=True, covers=("partner",))
        yield c.claim("partner", m["name"], subject=SELF, negated=True)
    if BACK_TOGETHER.search(c.low):
        yield c.claim("relationship", "dating", subject=owner, changed=True)
        yield from _partner_before(c, BACK_TOGETHER.search(c.low).start(), owner, negated=False)
    for m in SEEING.finditer(c.text):
        if re.search(r"\b(i|we) (am|are|have been|started|been|just)\b|\bi met\b", c.low[: m.end()]):
            yield c.claim(
                "relationship", "dating", subject=owner, changed=True, covers=() if m["name"] else ("partner",)
            )
            if m["name"]:
                yield c.claim("partner", m["name"], subject=owner)
    for m in TIED_KNOT.finditer(c.text):
        yield c.claim("relationship", "married", subject=owner, changed=True)
        if m["name"]:
            yield c.claim("partner", m["name"], subject=owner)


PARTNER_GONE = re.compile(
    r"\b(?:left me|left us|walked out|moved out|dumped me|passed away|died|divorced me|"
    r"broke up with me|is gone|is no longer with us)\b"
)


NO_LONGER_WITH = re.compile(
    r"\b(?:no longer|not) (?:with|together with|dating|seeing|married to|engaged to) (?P<name>(?-i:[A-Z])\w+)", re.I
)
EX_PARTNER = re.compile(
    r"\bmy ex(?:-| )?(?:wife|husband|girlfriend|boyfriend|partner|fiance|fiancee)?,? "
    r"(?P<name>(?-i:[A-Z])\w+)",
    re.I,
)
DUMPED_ME = re.compile(
    r"^(?P<name>(?-i:[A-Z])\w+) (?:\w+ )?(?:dumped me|left me|broke up with me|divorced me|walked out on me|"
    r"cheated on me and left)\b",
    re.I,
)
BACK_TOGETHER = re.compile(r"\b(?:got back together|are back together|back together|got together)\b")


SEEING = re.compile(
    r"\b(?:seeing|dating|going out with|met) (?:a |this |an )?(?:lovely |nice |new )?(?:guy|girl|man|woman|"
    r"boy|lady|someone|somebody)(?:,? (?:called|named) (?P<name>(?-i:[A-Z])\w+))?",
    re.I,
)


TIED_KNOT = re.compile(
    r"\b(?:tied the knot|walked down the aisle|said i do|wedding was)\b(?: with (?P<name>(?-i:[A-Z])\w+))?", re.I
)


def _partner_before(c: Clause, position: int, owner: str, *, negated: bool) -> Iterable[Claim]:
    """ "Anna and I broke up": the name before "and I" is the partner's."""
    m = re.search(r"\b((?-i:[A-Z])\w+) and (?:I|me)\b", c.text[:position])
    if m:
        yield c.claim("partner", m[1], subject=owner, negated=negated)


DIED = re.compile(r"\b(?:died|passed away|passed on|has passed|is no longer with us|lost (?:my|our) (?P<who>\w+))\b")


def family(c: Clause) -> Iterable[Claim]:
    """How many children, ages, the user's name, and a person's death (which ends every fact about them)."""
    for m in DIED.finditer(c.low):
        who = PEOPLE.get(m["who"] or "", c.subject if m["who"] is None else None)
        if who and who not in (SELF, "other"):
            yield c.claim("exists", who, subject=who, negated=True, changed=True)
    for m in CHILDREN.finditer(c.low):
        count = NUMBER_WORDS.get(m["n"]) if not m["n"].isdigit() else int(m["n"])
        slot = "grandchildren" if m["k"].startswith("grand") else "children"
        yield c.claim(slot, str(count), additive=False)
    for m in NEW_CHILD.finditer(c.low):
        if "born" in m.group():  # "our son was born": the user's child; "I was born in Seville": no birth
            if c.subject not in ("son", "daughter", "baby", "kids"):
                continue
            parent = SELF
        else:  # "we had our second baby", "my sister had her baby"
            parent = SELF if c.subject in (SELF, "partner") else c.subject
        order = m.groupdict().get("o") or ""
        count = NUMBER_WORDS.get(order) or (int(order[:-2]) if order[:-2].isdigit() else None)
        yield c.claim("children", str(count) if count else "", subject=parent, changed=True, additive=False)
        yield c.claim("condition", "pregnant", subject=parent, negated=True, changed=True)
    for m in AGE.finditer(c.low):
        if m["verb"] in ("am", "is", "be") and not re.search(r"\b(i|my|our|he|she)\b", c.low[: m.start()]):
            continue
        yield c.claim("age", m["n"], changed=m["verb"] != "am" or c.changed, additive=False)
    for m in NAME.finditer(c.text):
        group = "v" if m["v"] else "w"
        value = c.text[m.start(group) : m.end(group)]
        if value[:1].isupper():
            yield c.claim("name", value, subject=SELF, additive=False)  # "everyone calls me Bob"


RULES = (relationship, family)
