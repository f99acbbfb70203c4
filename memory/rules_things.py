"""Claim rules for pets, things owned (by category), contact details and how someone commutes."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .claims import SELF, Claim, Clause, stem
from .lexicon import NUMBER_WORDS, PETS, THINGS, words
from .rule_helpers import (
    alternation,
    capitalised,
    ended,
    negated_before,
)

PET_WORDS = alternation(PETS)


HAVE_PET = re.compile(
    r"\b(?P<verb>have|has|own|owns|got|get|adopted|adopt|adopting|rescued|bought|took in|getting|brought home)\s+"
    r"(?P<det>a|an|two|three|four|five|\d+|some|another|a second|a new|our|my|the|one)?\s*"
    r"(?:(?:new|second|third|little|young|old|rescue|big|small|pet|baby|black|white|ginger|grey|gray|tabby|"
    r"lovely|cute|sweet|fluffy|tiny|male|female|beautiful)\s+){0,2}(?P<pet>" + PET_WORDS + r")\b"
    r"(?:\s*,?\s*(?:(?i:named|called)\s+)?(?P<name>(?-i:[A-Z])\w+))?",
    re.I,
)


PET_LOSS = re.compile(
    r"\b(?:my|our|the)\s+(?:\w+\s+){0,2}?(?P<pet>" + PET_WORDS + r")(?:\s+(?P<name>(?-i:[A-Z])\w+))?\s+"
    r"(?:\w+\s+){0,2}?(?:died|passed away|passed|was put down|had to be put down|was put to sleep|ran away|"
    r"ran off|flew away|flew off|went missing|got lost|is gone|was rehomed|was hit|was killed|got run over|"
    r"is no longer with us|is no more|crossed the rainbow bridge)",
    re.I,
)


LOSE_PET = re.compile(
    r"\b(?:put down|rehome|rehomed|give away|gave away|give up|gave up|re-home|re-homed|lost|bury|buried|"
    r"had to give|had to put|said goodbye to|say goodbye to|saying goodbye to|found a home for|found a new home for|"
    r"find a new home for|found (?:him|her|them) a new home)\s+"
    r"(?:(?:my|our|the|one of (?:my|our))\s+)?(?:\w+\s+)?"
    r"(?:(?P<pet>" + PET_WORDS + r")\b(?:\s+(?P<called>(?-i:[A-Z])\w+))?|(?P<name>(?-i:[A-Z])\w+))",
    re.I,
)


GAVE_PET = re.compile(  # "we gave the goldfish to my nephew": like GAVE_THING, for a pet
    r"\b(?:gave|give|giving|given|handed)\s+(?:my|our|the)\s+(?:\w+\s+)?(?P<pet>" + PET_WORDS + r")\b"
    r"(?:\s+(?P<called>(?-i:[A-Z])\w+))?\s+(?:to|away)\b",
    re.I,
)


NAMED_LOSS = re.compile(
    r"^(?:(?:sadly|unfortunately|so|well|and|but)\s+)?(?P<name>(?-i:[A-Z])\w+)\s+"
    r"(?:\w+\s+){0,2}?(?:died|passed away|passed|was put down|be put down|was put to sleep|"
    r"be put to sleep|ran away|went missing|got lost|was rehomed|was run over)",
    re.I,
)


PET_COUNT = re.compile(
    r"\b(?:have|has|got|own|adopted|now have) (?P<n>a second|a third|a fourth|another|an|a|one|two|three|four|five|"
    r"six|\d+) (?:\w+ )?(?P<pet>" + alternation(PETS) + r")\b"
)
COUNTS = NUMBER_WORDS | {"a second": 2, "a third": 3, "a fourth": 4}
NO_PETS = re.compile(r"\b(?:no|not have any|no longer have any|not have|without) (?:more )?pets?\b")


THING_WORDS = alternation(THINGS)


NOT_OWNED = (
    r"(?!\s+(?:call|calls|number|case|charger|battery|screen|bill|plan|contract|insurance|keys|seat|wash|"
    r"park|ride|trip|loan|payment|lesson|lessons|class|tour|game|games|music|teacher|shop|store|repair|"
    r"service|party|warming|hunting|mate|mates|work|chores|sitting|sitter|cleaning|cleaner)\b)"
)


OWN = re.compile(
    r"\b(?P<verb>have|has|own|owns|drive|drives|driving|ride|rides|riding|got|get|getting|bought|buy|buying|"
    r"purchased|leased|lease|use|uses|using|upgraded to|picked up|treated myself to)\s+"
    r"(?P<mid>(?:[\w'-]+\s+){0,3}?)(?P<thing>" + THING_WORDS + r")\b" + NOT_OWNED
)


MY_THING = re.compile(
    r"\b(?:my|our) (?:new |current |old )?(?P<thing>" + THING_WORDS + r") is (?:now )?(?:a |an )?"
    r"(?P<v>.+)"
)


LOSE_THING = re.compile(
    r"\b(?:sold|selling|sell|crashed|totaled|totalled|wrecked|scrapped|lost|gave away|give away|got rid of|"
    r"get rid of|getting rid of|returned|traded in|trade in|traded|donated|ditched|replace|replaced|replacing|"
    r"no longer (?:have|own|drive|ride)|not (?:have|own|drive|ride))\s+(?:(?:my|our|the|his|her|a|an|any)\s+)?"
    r"(?:old\s+|beloved\s+|trusty\s+)?(?P<mid>(?:[\w'-]+\s+){0,2}?)(?P<thing>" + THING_WORDS + r")\b" + NOT_OWNED
)


FOR_SOMEONE = re.compile(
    r"(?:\s+[\w'-]+){0,3}?\s+for (?:the |my |our |his |her )?(?:kids?|children|son|daughter|wife|husband|partner|"
    r"mum|mom|dad|mother|father|brother|sister|friend|niece|nephew|grandson|granddaughter|boyfriend|girlfriend|"
    r"him|her|them|someone|a friend)\b"
)


GAVE_THING = re.compile(
    r"\b(?:gave|give|giving|passed on|handed down|handed on)\s+(?:my|our|the)\s+(?:old\s+)?"
    r"(?P<mid>(?:[\w'-]+\s+){0,2}?)(?P<thing>" + THING_WORDS + r")\s+(?:to|away)\b"
)


THING_GONE = re.compile(
    r"\b(?:my|our|the) (?:\w+ )?(?P<thing>" + THING_WORDS + r") (?:got|was|has been|is|were) "
    r"(?:stolen|totaled|totalled|written off|repossessed|towed|nicked|scrapped|sold)\b"
)


CAR_FREE = re.compile(r"\b(?P<thing>" + THING_WORDS + r")-free\b")
TRADED_FOR = re.compile(r"\b(?:traded|swapped|exchanged|trade|swap)\b.*?\bfor (?:a |an )?(?:new )?(?P<v>.+)")


CONTACT = re.compile(
    r"\bmy (?P<new>new )?(?:(?:mobile|cell|cellphone|phone|home|work|personal) )?(?P<kind>number|phone number|"
    r"email address|email|e-mail|phone)\s+is\s+(?:now\s+)?(?P<v>\S+(?: \S+){0,5})"
)


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CONTACT_CHANGED = re.compile(
    r"\b(?:changed|change|new|got a new|switched) (?:my )?(?:(?:mobile|cell|phone|home|"
    r"work|personal) )?(?P<kind>number|phone number|email address|email|e-mail|phone)\b"
    r"|\bmy (?:(?:mobile|cell|phone|home|work|personal) )?(?P<kind2>number|phone number|email "
    r"address|email|e-mail) (?:has )?changed\b"
)


COMMUTE = re.compile(
    r"\b(?P<verb>take|takes|taking|catch|catches|catching|ride|rides|riding|get|gets|drive|drives|driving|cycle|"
    r"cycles|cycling|bike|bikes|biking|walk|walks|walking|run|runs|running|commute|commutes|commuting|scoot|"
    r"carpool|go|goes)\s+(?:the |a |my )?(?P<mode>bus|train|tube|metro|subway|"
    r"tram|ferry|car|bike|bicycle|scooter|underground|by bike|by car|by train|by bus|on foot)?\s*"
    r"(?:to|into) (?:work|the office|school|college|uni|university|my job|campus)\b"
    r"|\b(?P<everywhere>bike|cycle|walk|drive) everywhere\b|\bcommute by (?P<by>\w+)"
)


def pets(c: Clause) -> Iterable[Claim]:
    """Pets had, adopted and lost; the key is the species and, when given, the name."""
    for m in HAVE_PET.finditer(c.text):
        species = PETS[m["pet"].lower()]
        gone = negated_before(c.low, m.start(), 24) or ended(c.low)
        additive = c.additive or (m["det"] or "").lower() in ("another", "a second", "a new")
        yield _pet(c, species, m["name"], negated=gone, additive=additive)
    for pattern in (PET_LOSS, LOSE_PET, GAVE_PET, NAMED_LOSS):
        for m in pattern.finditer(c.text):
            pet = m.groupdict().get("pet")
            # "Pepper died": a pet named like one of the user's is the user's (the name must match to conflict)
            subject = SELF if pattern is NAMED_LOSS else c.subject
            name = m.groupdict().get("name") or m.groupdict().get("called")
            yield _pet(c, PETS[pet.lower()] if pet else "", name, negated=True, subject=subject)
    for m in PET_COUNT.finditer(c.low):  # how many: "I have two cats" vs "we got a third cat"
        count = COUNTS.get(m["n"]) or (int(m["n"]) if m["n"].isdigit() else None)
        gone = negated_before(c.low, m.start(), 16) or ended(c.low)
        if count and not gone and (count > 1 or m["n"] in ("one",)):
            yield Claim(
                subject=c.subject if c.subject != "other" else SELF,
                slot="pet-count:" + PETS[m["pet"]],
                key=(str(count),),
                raw=str(count),
                changed=c.changed or m["n"].startswith("a "),
            )
    if NO_PETS.search(c.low):
        yield Claim(subject=c.subject, slot="pet", key=("pet",), raw="pets", negated=True, changed=True)


def _pet(c: Clause, species: str, name: str | None, *, negated: bool, **extra: object) -> Claim:
    subject = str(extra.get("subject", c.subject)) if c.subject in (SELF, "partner", "other") else c.subject
    key = (species, stem(name) if name else "")
    additive = bool(extra.get("additive", c.additive))
    return Claim(
        subject=subject, slot="pet", key=key, raw=name or species, negated=negated, changed=c.changed, additive=additive
    )


def _named(c: Clause, m: re.Match[str]) -> bool:
    """A word that is also a make ("golf", "focus", "switch") names a thing only when written as a name."""
    return m["thing"] not in AMBIGUOUS_MAKES or c.text[m.start("thing") : m.start("thing") + 1].isupper()


AMBIGUOUS_MAKES = frozenset(words("golf focus polo mini seat civic trek pixel galaxy mac jaguar fiesta kindle"))
PREPOSITIONS = frozenset(words("for of to with at in on about from"))


def possessions(c: Clause) -> Iterable[Claim]:
    """Things owned, by category ("car"); the raw value keeps the make ("Toyota Corolla")."""
    for m in OWN.finditer(c.low):
        if not _named(c, m):
            continue
        mid = m["mid"].split()
        if any(word in ("for", "of", "to", "with", "at", "in", "on", "my", "our", "his", "her") for word in mid[1:]):
            continue
        if any(
            word in ("not", "never", "no") or word.endswith(("ed", "ing")) and word not in ("used", "red")
            for word in mid
        ):
            continue  # "I haven't touched the piano", "I have been driving the car"
        if (
            m["verb"] in ("have", "has", "use", "uses", "using", "get", "got")
            and m["thing"] in ("home", "house")
            and not mid
        ):
            continue  # "I got home", "have house guests"
        new = re.search(r"\b(new|replacement|another)\b", m["mid"]) is not None or m["verb"] in (
            "bought",
            "got",
            "purchased",
            "leased",
            "upgraded to",
            "picked up",
            "treated myself to",
            "getting",
        )
        if m["verb"] in ("bought", "buy", "buying", "got", "get", "getting", "purchased") and FOR_SOMEONE.match(
            c.low, m.end()
        ):
            continue  # "I bought a Nintendo Switch for the kids": theirs, not a replacement of mine
        make = _make(c.text[m.start("mid") : m.end("thing") + 30], m["thing"])
        gone = negated_before(c.low, m.start(), 20) or ended(c.low)
        yield _thing(c, THINGS[m["thing"]], make, negated=gone, changed=new or c.changed)
    for m in MY_THING.finditer(c.low):
        yield _thing(c, THINGS[m["thing"]], _make(c.cased(m), ""), negated=ended(c.low), changed=c.changed)
    for pattern in (LOSE_THING, GAVE_THING, THING_GONE):
        for m in pattern.finditer(c.low):
            between = set((m.groupdict().get("mid") or "").split())
            if not _named(c, m) or PREPOSITIONS & between:
                continue  # "I don't have time for golf any more"
            make = _make(c.text[m.start("thing") : m.end("thing") + 20], m["thing"])
            yield _thing(c, THINGS[m["thing"]], make, negated=True, changed=True)
    for m in CAR_FREE.finditer(c.low):  # "we're car-free now"
        yield _thing(c, THINGS[m["thing"]], "", negated=True, changed=True)
    for m in TRADED_FOR.finditer(c.low):
        named = [w.strip(".,!") for w in m["v"].split()[:3]]
        thing = next((THINGS[w] for w in named if w in THINGS), None)
        if thing:
            yield _thing(c, thing, _make(c.cased(m), ""), negated=False, changed=True)
    for m in CONTACT.finditer(c.low):
        kind = {"phone number": "number", "phone": "number", "email address": "email", "e-mail": "email"}.get(
            m["kind"], m["kind"]
        )
        yield Claim(
            subject=c.subject,
            slot="contact:" + kind,
            key=(c.cased(m).strip(".,!").lower(),),
            raw=c.cased(m),
            changed=bool(m["new"]) or c.changed,
        )
    for m in EMAIL.finditer(c.low):  # an address said with "now" / "from now on" / "new" is the current one
        if c.changed or re.search(r"\b(my email|email me|use|reach me)\b", c.low):
            yield Claim(
                subject=SELF, slot="contact:email", key=(m.group().rstrip("."),), raw=m.group(), changed=c.changed
            )
    for m in CONTACT_CHANGED.finditer(c.low):
        said = m["kind"] or m["kind2"]
        kind = {"phone number": "number", "phone": "number", "email address": "email", "e-mail": "email"}.get(
            said, said
        )
        yield Claim(subject=c.subject, slot="contact:" + kind, changed=True)
    for m in COMMUTE.finditer(c.low):
        mode = m["mode"] or m["everywhere"] or m["by"] or m["verb"]
        mode = MODES.get(mode, mode)
        if mode in NOT_A_MODE:
            continue
        yield c.claim("commute", mode, negated=negated_before(c.low, m.start(), 16) or ended(c.low))


MODES = {
    **dict.fromkeys(words("cycle cycles cycling biking bicycle bikes"), "bike"),
    **dict.fromkeys(words("drive drives driving"), "car"),
    **dict.fromkeys(words("walks walking"), "walk"),
    **dict.fromkeys(words("runs running"), "run"),
    "by bike": "bike",
    "by car": "car",
    "by train": "train",
    "by bus": "bus",
    "on foot": "walk",
}
NOT_A_MODE = frozenset(
    words("take takes taking get gets go goes catch catches catching ride rides riding commute commutes commuting")
)


def _thing(c: Clause, category: str, make: str, *, negated: bool, changed: bool) -> Claim:
    return Claim(
        subject=c.subject, slot="own", key=(category,), raw=make, negated=negated, changed=changed, additive=c.additive
    )


def _make(text: str, thing: str) -> str:
    """The make or model in ``text``: capitalised words or a word naming a make ("a red Trek" -> "Trek")."""
    name = capitalised(text, 3)
    if name:
        return name
    words = [w.strip(".,!?").lower() for w in text.split()[:5]]
    return " ".join(w for w in words if w in THINGS and w not in CATEGORY_NAMES)


CATEGORY_NAMES = frozenset(THINGS.values()) | {
    "cars",
    "bicycle",
    "motorcycle",
    "smartphone",
    "laptop",
    "van",
    "truck",
    "suv",
    "e-bike",
    "ebike",
    "apartment",
    "flat",
    "home",
}


RULES = (pets, possessions)
