"""Claim rules for diet, foods and drinks, allergies, likes and dislikes, favourites, preferences, teams and
things used."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .claims import SELF, Claim, Clause, stem
from .lexicon import DIET_SLOT, DIETS
from .rule_helpers import (
    alternation,
    drop_verbs,
    ended,
    negated_before,
    phrase,
)

DIET_WORDS = alternation(DIETS)


STYLE = re.compile(
    r"\b(?P<verb>am|is|are|was|were|be|been|being|gone|went|going|turned|became|become|becoming|stay|stayed|"
    r"eat|eating|eats|stayed|strictly|fully|mostly|now|an?)\s+(?:(?:a|an|fully|strictly|mostly|now|completely|"
    r"100%|full|totally|basically|again|still|also|pretty much)\s+){0,2}(?P<v>" + DIET_WORDS + r")\b"
    r"(?!\s+(?:restaurant|place|food|dish|meal|recipe|option|burger|cafe|cookbook|friend|friends|version|menu))"
)


ON_DIET = re.compile(r"\bon (?:a |the )?(?P<v>[\w-]+(?: [\w-]+)?) diet\b")


QUIT_DIET = re.compile(
    r"\b(?:quit|stopped|gave up|give up|ditched|dropped|off|came off|no longer on) "
    r"(?:the |my |being )?(?:a )?(?P<v>" + DIET_WORDS + r")\b"
)


CONSUME = re.compile(r"\b(?P<verb>eat|eats|eating|drink|drinks|drinking|consume|consuming)\b(?P<v>.*)")


GLASS_OF = re.compile(
    r"\b(?:have|having|has|enjoy|enjoying)\s+(?:a |the odd |an occasional |the occasional )?"
    r"(?:glass|cup|pint|bottle|can|mug|shot|bowl)\s+of\s+(?P<v>.+)"
)


ALLERGY = re.compile(
    r"\b(?:allergic|allergy|allergies|intolerant|intolerance|sensitive)\s+(?:to\s+)?(?P<v>.+)"
    r"|\b(?P<w>[\w-]+) (?:allergy|intolerance|intolerant)\b"
)


LIKE_POS = (
    r"love|loves|loving|like|likes|enjoy|enjoys|adore|adores|am into|am really into|am (?:a )?(?:big |huge |"
    r"massive )?fan of|am crazy about|am obsessed with|am passionate about|am keen on|can not get enough of|"
    r"listen to|listen to a lot of|dig|fancy"
)


LIKE_NEG = (
    r"hate|hates|dislike|dislikes|detest|loathe|can not stand|can not bear|am not (?:really |a |much of a |"
    r"a big |that )?(?:into|fan of|keen on)|do not (?:really )?(?:like|enjoy|love|care for)|am over|"
    r"am sick of|am tired of|am done with|am bored of|can not (?:listen to|watch|eat|drink|do)|"
    r"am not (?:a |that )?(?:big )?fan of|went off|gone off|have gone off|lost interest in|"
    r"have lost interest in|no longer (?:like|love|enjoy)|not (?:really )?into"
)


LIKE = re.compile(r"\b(?P<neg>" + LIKE_NEG + r")\s+(?P<v>.+)|\b(?P<pos>" + LIKE_POS + r")\s+(?P<w>.+)")


TURNED_AGAINST = re.compile(
    r"\b(?:went off|gone off|lost interest|over|done with|no longer|sick of|tired of|bored of)\b"
)
MORE_THAN = re.compile(
    r"\b(?:more into|prefer|like|love|enjoy) (?P<x>[\w' -]+?) (?:now |these days )?(?:more )?"
    r"(?:than|rather than|over|instead of) (?P<y>[\w' -]+)"
)
FAN = re.compile(
    r"\b(?:am|is|are) (?:a |an )?(?:big |huge |massive |die-hard |lifelong )?(?P<v>(?-i:[A-Z])[\w' ]*?)"
    r" fan\b",
    re.I,
)


PREFER = re.compile(r"\bprefer(?:s|red)?\s+(?P<v>.+?)(?:\s+(?:over|to|rather than|instead of)\s+(?P<w>.+))?$")


FAVOURITE = re.compile(
    r"\b(?:my|our|\w+'s) (?:new |current |all-time |absolute |top |real |favou?rite new )?(?:favou?rite|fave)\s+"
    r"(?P<cat>[a-z]+(?: [a-z]+)?)\s+(?:(?:these days|now|at the moment|right now|lately|nowadays|of all time|"
    r"ever|currently)\s+)?(?P<verb>is|are|has become|would be|has to be|was|were|used to be)\s+(?:now\s+|still\s+|"
    r"currently\s+|"
    r"definitely\s+|probably\s+|actually\s+)?(?P<v>.+)"
)


IS_FAVOURITE = re.compile(
    r"^(?P<v>.+?) (?:is|are|has become|have become|became|is now|are now|(?P<was>was|were|used to be))"
    r"(?P<neg> not| no longer)?"
    r" (?:now |still )?(?:my|our) "
    r"(?:new )?(?:favou?rite|fave) (?P<cat>[a-z]+)"
)


CATEGORY = {
    "color": "colour",
    "film": "movie",
    "films": "movie",
    "movies": "movie",
    "group": "band",
    "dish": "food",
    "meal": "food",
    "beverage": "drink",
    "series": "show",
    "tv show": "show",
    "novel": "book",
    "track": "song",
    "writer": "author",
    "city": "place",
    "footballer": "player",
    "genre": "music",
    "music genre": "music",
    "kind of music": "music",
    "type of music": "music",
}


TEAM = re.compile(
    r"\b(?:support|supports|supporting|root for|rooting for|cheer for|cheering for) "
    r"(?P<v>(?-i:[A-Z])[\w.' ]*)",
    re.I,
)


USE = re.compile(r"\b(?:i|we) (?:\w+ )?(?:use|am using|are using|run|am running)\s+(?P<v>.+)")


def diet(c: Clause) -> Iterable[Claim]:
    """Diet style ("vegetarian") with the foods it rules out, foods eaten or avoided, allergies."""
    for m in STYLE.finditer(c.low):
        style = m["v"]
        gone = negated_before(c.low, m.start("v"), 24) or ended(c.low) or m["verb"] in ("was", "were")
        yield c.claim(
            DIET_SLOT[style], style, negated=gone, changed=c.changed or m["verb"] in ("gone", "went", "became")
        )
        if not gone:
            for food in DIETS[style]:
                yield c.claim("consume", food, negated=True, changed=False)
    for m in ON_DIET.finditer(c.low):
        yield c.claim(
            DIET_SLOT.get(m["v"], "diet-plan"), m["v"], negated=negated_before(c.low, m.start()) or ended(c.low)
        )
    for m in QUIT_DIET.finditer(c.low):
        yield c.claim(DIET_SLOT[m["v"]], m["v"], negated=True, changed=True)
    for m in CONSUME.finditer(c.low):
        if re.search(r"\b(favou?rite|fave|a|the|my|our|your|his|her|soft|energy|hot|cold)\s*$", c.low[: m.start()]):
            continue  # "my favourite drink is ..." names a drink, it is not drinking
        food = phrase(drop_verbs(m["v"]), 3)
        if m["verb"].startswith("drink") and not food:
            food = "alcohol"  # "I don't drink"
        if food and food not in ("out", "in", "up", "well", "healthy", "healthily", "clean", "less", "more"):
            gone = negated_before(c.low, m.start(), 32) and not re.search(r"\bcan (?:eat|drink)\b", c.low)
            yield c.claim("consume", food, negated=gone or ended(c.low))
    for m in GLASS_OF.finditer(c.low):
        yield c.claim("consume", phrase(m["v"], 3), negated=negated_before(c.low, m.start()) or ended(c.low))
    for m in ALLERGY.finditer(c.low):
        value = phrase(m["v"] or "", 3) or (m["w"] or "")
        if value and value not in ("to", "i", "my"):
            gone = negated_before(c.low, m.start()) or ended(c.low) or "outgrew" in c.low
            yield c.claim("allergy", value, negated=gone)


def tastes(c: Clause) -> Iterable[Claim]:
    """Likes and dislikes, favourites, preferences, teams supported and things used."""
    for m in LIKE.finditer(c.low):
        if m["pos"] and re.search(
            r"\bwould\s*$|\b(look|looks|looked|feel|feels|felt|seem|seems)\s*$", c.low[: m.start()]
        ):
            continue  # "I would like to ...", "it looks like ..."
        value = phrase(drop_verbs(m["v"] or m["w"]), 4)
        if value:
            negative = bool(m["neg"]) or negated_before(c.low, m.start(), 14) or ended(c.low)
            turned = bool(m["neg"]) and TURNED_AGAINST.search(m["neg"]) is not None  # "gone off", "lost interest"
            yield c.claim("like", value, negated=negative, changed=c.changed or turned)
    for m in MORE_THAN.finditer(c.low):  # "I'm more into hip hop now than jazz": jazz is behind
        yield c.claim("like", phrase(m["y"], 3), negated=True, changed=True)
        yield c.claim("like", phrase(m["x"], 3), changed=True)
    for m in FAN.finditer(c.text):
        yield c.claim("like", m["v"], negated=negated_before(c.low, m.start()) or ended(c.low))
    for m in PREFER.finditer(c.low):
        value = phrase(c.cased(m), 5)
        if value:  # compared by meaning, with its context: "beaches for holidays" vs "mountain holidays"
            context = " ".join(c.cased(m).split()[:6]).strip(".,!?")
            yield c.claim("prefer", value, raw=context, negated=negated_before(c.low, m.start(), 14))
    for m in FAVOURITE.finditer(c.low):
        category = CATEGORY.get(m["cat"], m["cat"])
        value = phrase(c.cased(m), 4)
        if value:
            past = m["verb"] in ("was", "were", "used to be")
            yield c.claim("favourite:" + stem(category), value, negated=past, additive=False)
    for m in IS_FAVOURITE.finditer(c.low):
        category = CATEGORY.get(m["cat"], m["cat"])
        gone = bool(m["neg"]) or bool(m["was"]) or ended(c.low)
        yield c.claim("favourite:" + stem(category), c.cased(m), subject=SELF, negated=gone, additive=False)
    for m in TEAM.finditer(c.text):
        yield c.claim("team", phrase(m["v"], 3), negated=ended(c.low))
    for m in USE.finditer(c.low):
        value = phrase(c.cased(m), 3)
        if value and value.lower() not in ("it", "them", "this", "that"):
            yield c.claim("use", value, negated=negated_before(c.low, m.start("v"), 16) or ended(c.low))


RULES = (diet, tastes)
