"""Claim rules for hobbies, clubs and the day an activity happens on; smoking, conditions, medication and aids."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .claims import SELF, Claim, Clause
from .lexicon import words
from .rule_helpers import (
    drop_verbs,
    ended,
    negated_before,
    phrase,
)

PLAY = re.compile(
    r"\b(?P<verb>play|plays|playing|(?<=not )played|(?<=never )played)\s+"
    r"(?!with\b|around\b|along\b|it\b|a role\b|a part\b)(?P<v>.+)"
)


GO_ING = re.compile(r"\b(?:go|goes)\s+(?P<v>\w+ing)\b")


GO_TO = re.compile(
    r"\b(?:go|goes|going|(?<=not )been|(?<=never )been)\s+to\s+(?:the\s+|a\s+|my\s+)?"
    r"(?P<v>gym|pool|church|mosque|temple|synagogue|yoga|"
    r"pilates|class|classes|choir|practice|dance class|therapy|climbing gym|swimming pool|salsa|"
    r"spin|spin class|bootcamp|boxing|karate|judo|football|football practice|training)\b"
)


DO = re.compile(
    r"\b(?:do|does|doing|practise|practice|practising|practicing|train|training in)\s+(?P<v>yoga|pilates|"
    r"crossfit|karate|judo|taekwondo|boxing|ballet|zumba|tai chi|martial arts|triathlons?|marathons?|"
    r"crosswords?|sudoku|jiu-jitsu|jiu jitsu|kung fu|aikido|meditation|parkour|weights|"
    r"[a-z]+ing)\b"
)


VERB_HOBBY = re.compile(
    r"\b(?:i|we|he|she)\s+(?:still\s+|also\s+|regularly\s+|usually\s+|often\s+|sometimes\s+|mostly\s+|really\s+)?"
    r"(?P<v>run|swim|cycle|hike|climb|knit|crochet|paint|draw|sing|dance|surf|ski|skate|snowboard|bake|garden|"
    r"fish|sew|box|row|golf|skateboard|sketch|meditate|jog|kayak|sail|quilt|volunteer|blog|vlog|game|stream|"
    r"ride|write poetry|write|read|cook)\b(?!\s+(?:to|into|from|for|a lot of my)\b)"
)


LEARN = re.compile(
    r"\b(?:learning|learn|learns|studying|taking lessons in|taking (?:\w+ )?lessons|collect|collects|"
    r"collecting|speak|speaks|took up|taken up|take up|picked up|started|start|starting|getting into|"
    r"got into)\s+(?:to\s+(?:play\s+|speak\s+|do\s+)?)?(?:the\s+)?(?P<v>.+)"
)


GROUP_ENDED = re.compile(
    r"\b(?:the|my|our) (?P<v>(?:[\w-]+\s+)?(?:club|band|team|choir|orchestra|league|group|society))\s+"
    r"(?:has |have |had )?(?:split up|broke up|disbanded|folded|closed|shut down|ended|fell apart|stopped)\b"
)
MEMBER = re.compile(
    r"\b(?:member of|in|part of|joined|join|belong to|for|on|sing in|play in|play for)\s+(?:a|an|the|my|our)\s+"
    r"(?P<v>(?:[\w-]+\s+){0,2}?(?:club|band|team|choir|orchestra|league|society|gym|crew|squad|chorus|ensemble|"
    r"group|troupe|association|union))\b"
)


WEEKDAY = re.compile(r"\b(?:on|every)\s+(?P<d>(?:mon|tues|wednes|thurs|fri|satur|sun)days?|weekends?|weekdays?)\b")


MOVED_SLOT = re.compile(
    r"\b(?:moved|changed|switched|rescheduled|shifted|pushed)\s+(?:my|our|the)\s+(?P<v>[\w ]+?)\s+"
    r"(?:(?:day|days|session|sessions|class|classes|lesson|lessons|practice|time|slot|night)\s+)?"
    r"(?:from \w+ )?to\s+(?P<d>\w+)"
)


SMOKE = re.compile(
    r"\b(?P<v>non-smoker|smoke-free|nicotine-free|smoker|smokes|smoking|smoke|vaper|vapes|vaping|"
    r"vape)\b"
)


CONDITIONS = set(
    words("""cold flu fever cough covid asthma diabetes arthritis migraine migraines eczema psoriasis depression anxiety
    adhd autism cancer injury infection insomnia tinnitus concussion ibs celiac coeliac epilepsy lupus anaemia
    anemia bronchitis pneumonia sinusitis ulcer hernia shingles rash cast sciatica pain allergies fatigue
    lymphoma leukemia leukaemia tumour tumor hepatitis endometriosis pcos fibromyalgia gout hypertension
    cholesterol pressure""")
)


INJURY = r"broken|sprained|torn|fractured|bad|slipped|pulled|twisted|injured|dislocated"


HAVE_CONDITION = re.compile(
    r"\b(?:have|has|got|caught|diagnosed with|suffer from|suffering from|living with|recovering from|"
    r"struggling with|dealing with)\s+(?:a |an |the |some |chronic |severe |mild |bad |really bad )?"
    r"(?P<v>(?:(?:" + INJURY + r"|high|low|chronic|lower|upper|type \d) )?[\w']+(?: [\w']+)?)"
)


HEALED = re.compile(
    r"\b(?:my|the) (?P<v>[\w']+(?: [\w']+)??) (?:has |have |is |are )?(?:fully |completely |finally )?"
    r"(?:much |a lot |so much |way |loads |far |heaps )?(?:healed|better|gone|cleared up|recovered|fine now|"
    r"back to normal|mended|fine again|okay again|ok again)\b"
    r"|\b(?:over|recovered from|got over|cured of|free of|beat|beaten) (?:my |the |that |a )?(?P<w>[\w']+(?: [\w']+)?)"
)


PREGNANT = re.compile(r"\b(?:am|is) (?:now )?(?:pregnant|expecting)\b")


MEDICATION_WORDS = {
    "insulin",
    "medication",
    "meds",
    "antidepressants",
    "antibiotics",
    "painkillers",
    "vitamins",
    "supplements",
    "pill",
    "steroids",
    "inhaler",
    "methotrexate",
    "metformin",
    "lithium",
    "birth control",
    "hormones",
    "blood thinners",
    "statins",
    "melatonin",
}


NOT_MEDICATION = frozenset(
    words(
        "bus train tube metro subway tram ferry taxi car bike lift stairs kids dog photos pictures notes walk "
        "nap break shower bath class classes course lessons it them care time part advantage"
    )
)


TAKE = re.compile(
    r"\b(?:take|takes|taking|on)\s+(?:a |an |my |the )?(?P<v>[\w-]+(?: [\w-]+)?)"
    r"(?P<rest>\s+(?:every|each|daily|twice|once|in the morning|at night|for my|for (?:my )?\w+|pills|"
    r"tablets|now))?"
)


AID = re.compile(
    r"\b(?:wear|wears|wearing|use|uses|using|need|needs|rely on|in)\s+(?:a |an |my |the )?"
    r"(?P<v>glasses|contacts|contact lenses|hearing aids?|braces|wheelchair|walker|cane|crutches|"
    r"walking stick|brace|retainer|cpap|sling|cast)\b"
)


def hobbies(c: Clause) -> Iterable[Claim]:
    """Activities done, clubs and teams belonged to, and the day an activity happens on."""
    activities: list[Claim] = []
    for pattern in (PLAY, GO_ING, GO_TO, DO, VERB_HOBBY, LEARN):
        for m in pattern.finditer(c.low):
            value = phrase(drop_verbs(m["v"]), 3) if pattern in (PLAY, LEARN) else m["v"]
            if not value or value in ("it", "them", "a", "the", "that", "this", "something", "new"):
                continue
            if pattern is LEARN and re.match(r"(work|a new job|my new job|at|eating|drinking)\b", value):
                continue
            gone = negated_before(c.low, m.start(), 20) or ended(c.low)
            activity = c.claim("activity", value, negated=gone)
            if activity.key:  # "I'm not playing any more" names no activity
                activities.append(activity)
    yield from activities
    for m in MEMBER.finditer(c.low):
        yield c.claim("membership", m["v"], negated=negated_before(c.low, m.start(), 20) or ended(c.low))
    for m in GROUP_ENDED.finditer(c.low):  # "the band split up": the user is no longer in it
        yield c.claim(
            "membership", m["v"], subject=SELF if c.subject == "other" else c.subject, negated=True, changed=True
        )
    day = WEEKDAY.search(c.low)
    if day and activities:
        for activity in activities:
            yield c.claim("schedule:" + "-".join(activity.key), day["d"].rstrip("s"))
    for m in MOVED_SLOT.finditer(c.low):
        activity = "-".join(c.claim("x", m["v"]).key)
        if activity:
            yield c.claim("schedule:" + activity, m["d"].rstrip("s"), changed=True)


def health(c: Clause) -> Iterable[Claim]:
    """Smoking, conditions and injuries, pregnancy, medication and aids such as glasses."""
    if re.search(r"\b(?:kicked|quit|broke|beat|gave up) the habit\b", c.low):  # the habit the user had
        yield c.claim("habit", negated=True, changed=True)
    for m in SMOKE.finditer(c.low):
        free = m["v"] in ("non-smoker", "smoke-free", "nicotine-free")
        yield c.claim("habit", "smoke", negated=free or negated_before(c.low, m.start(), 24) or ended(c.low))
    for m in HAVE_CONDITION.finditer(c.low):
        value = phrase(m["v"], 3)
        words = value.split()
        if words and (words[-1] in CONDITIONS or re.match(INJURY, words[0])):
            yield c.claim("condition", value, negated=negated_before(c.low, m.start(), 16) or ended(c.low))
    for m in HEALED.finditer(c.low):
        value = phrase(m["v"] or m["w"] or "", 3)
        if value:
            yield c.claim("condition", value, negated=True, changed=True)
    if PREGNANT.search(c.low):
        yield c.claim("condition", "pregnant", negated=negated_before(c.low, PREGNANT.search(c.low).start()))
    for m in TAKE.finditer(c.low):
        value = phrase(m["v"], 2)
        words = value.split()
        if not words or words[0] in NOT_MEDICATION or value in NOT_MEDICATION:
            continue
        if re.match(r"(?:take|takes|taking) my ", m.group()) and value not in MEDICATION_WORDS:
            continue  # "I take my tea black"
        if value in MEDICATION_WORDS or words[-1] in MEDICATION_WORDS or (m["rest"] and m.group().startswith("tak")):
            yield c.claim("medication", value, negated=negated_before(c.low, m.start(), 24) or ended(c.low))
    for m in AID.finditer(c.low):
        yield c.claim("aid", m["v"], negated=negated_before(c.low, m.start(), 16) or ended(c.low))


RULES = (hobbies, health)
