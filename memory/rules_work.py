"""Claim rules for what someone does for a living: occupation, employer, field, shifts, where they work, school."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .claims import Claim, Clause, stem
from .lexicon import DWELLINGS, OCCUPATIONS, PLACE_NOUNS, words
from .rule_helpers import (
    capitalised,
    ended,
    negated_before,
    phrase,
)

JOB_SLOTS = ("employer", "field", "shift", "workplace")


WORK_AS = re.compile(
    r"\b(?P<verb>work|works|working|worked|employed|hired|started|start|starting|job|qualified|trained|"
    r"retrained|volunteer|volunteering)\s+as\s+(?:an?\s+|the\s+)?(?P<v>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,3})"
)


IS_A = re.compile(
    r"\b(?P<verb>am|is|are|was|were|be|been|became|become|becoming|becomes)\s+(?P<neg>not\s+|no longer\s+)?"
    r"(?:now\s+|currently\s+|still\s+|also\s+|just\s+|finally\s+|officially\s+|actually\s+)?"
    r"(?:an?|the)\s+(?P<v>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,3})"
)


RESIGNED = re.compile(
    r"\b(?:handed in my (?:notice|resignation)|resigned|gave my notice|put in my notice|"
    r"quit my job|left my job|lost my job)\b"
)
JOBLESS = re.compile(
    r"\b(?:unemployed|jobless|out of work|between jobs|not working(?! on| out| with)|looking for (?:a )?(?:new )?"
    r"(?:job|work)|job hunting|job-hunting|laid off|got fired|was fired|been fired|sacked|let go|made redundant|"
    r"lost my job)\b"
)


RETIRED = re.compile(r"\b(?:retired|retire|retiring|retirement)\b")


SELF_EMPLOYED = re.compile(
    r"\b(?:self-employed|work for myself|freelancing|(?:my|our) own (?:[\w-]+ )?(?:business|company|firm|shop|"
    r"practice|agency|studio|restaurant|bakery|cafe|salon|consultancy|startup))\b"
)
FIELDS = frozenset(
    words(
        "marketing sales finance accounting hr it tech engineering law medicine nursing education teaching retail "
        "hospitality consulting design journalism research management operations logistics construction healthcare "
        "banking insurance pr advertising software academia politics government publishing media film fashion "
        "music tourism recruitment catering security social care"
    )
)
FIELD_CHANGE = re.compile(
    r"\b(?:moved|switched|went|transferred|changed|moving|switching) (?:over )?(?:in)?to "
    r"(?P<v>[a-z]+)\b"
)


STAY_HOME = re.compile(
    r"\b(?:stay-at-home|stay at home|full-time|full time) (?:dad|mum|mom|parent|mother|father|carer|"
    r"caregiver|homemaker)\b|\bhomemaker\b|\bhousewife\b|\bhouse husband\b"
)


TEACH_FOR_A_LIVING = re.compile(
    r"\b(?:teaching|teach|coaching|coach|tutoring|tutor|training|selling|writing|driving|"
    r"making|designing|cooking|cleaning|building|fixing|repairing|painting|photographing)\s+"
    r"(?P<v>\w+(?: \w+)?)\s+(?:full[- ]time|part[- ]time|for a living|professionally|"
    r"as a job|as my job)\b"
)


QUIT_JOB = re.compile(
    r"\b(?:quit|quitting|left|leaving|leave|gave up|give up|giving up|stopped|resigned from|retired from|"
    r"handed in my notice at|handed in my resignation at|resigned at|walked out of|was fired from|got fired from|"
    r"was sacked from|got sacked from|got laid off from|was laid off from|was let go from|got let go from)\s+"
    r"(?:my |the |a )?(?P<v>job|work|career|position|role|[a-z]+ing|medicine|law|"
    r"the law|academia|(?-i:[A-Z])[\w&.-]*(?: (?-i:[A-Z])[\w&.-]*)*)(?P<rest>.*)",
    re.I,
)


NEW_JOB = re.compile(
    r"\b(?:got|found|landed|started|start|starting|began|accepted|took|taken|take|taking|have|got offered|offered|"
    r"secured)\s+"
    r"(?:a |my |the |an )?(?P<new>new |first |dream )?(?:full-time |part-time |permanent )?"
    r"(?:job|position|role|gig)\b(?!\s+(?:offer|offers|interview|application|hunt|search|fair|ad|advert|listing))"
    r"(?:\s+as\s+(?:an?\s+)?(?P<v>[a-z][\w-]*(?: [a-z][\w-]*){0,2}))?"
    r"(?:.*?\b(?:at|with|in|for)\s+(?P<at>.+))?"
)


CAREER_CHANGE = re.compile(
    r"\b(?:changed|change|switched|switch|changing) (?:careers?|jobs?|fields?|professions?)\b"
    r"|\bcareer change\b|\bnew career\b"
)


EMPLOYER = re.compile(
    r"\b(?P<verb>work|works|working|worked|job|employed|intern|interning|hired)\b(?:\s+[\w-]+){0,3}?\s+"
    r"(?P<prep>at|for|by|with)\s+(?P<v>.+)"
)


JOINED = re.compile(r"\b(?:joined|join|joining|hired by|hired at)\s+(?P<v>(?:a |an |the )?.+)")


FIELD = re.compile(r"\b(?:work|works|working|job is|career is)\s+in\s+(?P<v>[a-z][\w-]*(?: [a-z][\w-]*)?)")


SHIFT = re.compile(
    r"\b(?P<v>night|day|early|late|morning|evening|afternoon|weekend|graveyard|split|double|"
    r"twelve-hour|12-hour|long)\s+shifts?\b"
)


REMOTE = re.compile(r"\bwork(?:s|ing)?\s+(?:from home|at home|remotely|remote)\b|\bfully remote\b")


OFFICE = re.compile(r"\b(?:in|at|to|into) the office\b|\boffice (?:full[- ]time|every day)\b|\bon[- ]site\b")


STUDENT = re.compile(
    r"\b(?:student|studying|study|studies|enrolled)\s+(?:\w+\s+)?(?:at|in)\s+(?P<v>(?-i:[A-Z]).*)", re.I
)


PROMOTED = re.compile(
    r"\b(?:promoted|been made|was made|became|moved up) (?:to |into )?(?:an? |the )?"
    r"(?P<v>[a-z][\w-]*(?: [a-z][\w-]*){0,2})"
)
SCHOOL_AT = re.compile(
    r"\b(?:is|am|are|started|starts|starting|began|begins|goes to|go to|attends|attending|entered|moved up to|"
    r"off to|now at|now in) (?:at |in |to )?(?:a |the )?(?P<v>(?:primary |secondary |high |middle |elementary |"
    r"nursery |grammar |boarding )?school|university|uni|college|kindergarten|nursery|sixth form|year \d+)\b"
)
GRADUATED = re.compile(r"\b(?:graduated|graduate|finished (?:my )?(?:degree|studies|school|university|college))\b")


NON_JOB_WORDS = {
    "fan",
    "member",
    "vegetarian",
    "vegan",
    "mother",
    "father",
    "mom",
    "mum",
    "dad",
    "parent",
    "smoker",
    "runner",
    "beginner",
    "lover",
    "person",
    "night owl",
    "morning person",
    "regular",
}


def occupation(c: Clause) -> Iterable[Claim]:
    """What the subject does for a living, who for, in which field, on which shifts, from where."""
    for m in WORK_AS.finditer(c.low):
        title = _job_title(m["v"], require_known=False)
        if title:
            past = m["verb"] == "worked" and not re.search(r"\b(have|has) worked", c.low)
            yield c.claim(
                "occupation",
                title,
                negated=past or negated_before(c.low, m.start()) or ended(c.low),
                changed=c.changed or m["verb"] in ("hired", "started", "starting", "start"),
                covers=("field",) if c.changed else (),
            )
    for m in IS_A.finditer(c.low):
        title = _job_title(m["v"], require_known=True)
        if title:
            past = m["verb"] in ("was", "were") or bool(m["neg"]) or ended(c.low)
            became = m["verb"] in ("became", "become", "becoming", "becomes")
            yield c.claim(
                "occupation",
                title,
                negated=past,
                changed=c.changed or became,
                covers=("field",) if c.changed or became else (),
            )
    for m in TEACH_FOR_A_LIVING.finditer(c.low):
        yield c.claim("occupation", m.group().rsplit(" ", 2)[0], changed=c.changed, covers=JOB_SLOTS)
    if STAY_HOME.search(c.low):
        yield c.claim("occupation", "stay-at-home parent", negated=ended(c.low), covers=JOB_SLOTS)
    if JOBLESS.search(c.low):
        yield c.claim("occupation", "unemployed", changed=True, covers=JOB_SLOTS)
    if RETIRED.search(c.low) and not re.search(r"\bretired from\b", c.low):
        yield c.claim("occupation", "retired", changed=True, covers=JOB_SLOTS)
    if SELF_EMPLOYED.search(c.low):
        yield c.claim("occupation", "self-employed", covers=("employer",))
    if RESIGNED.search(c.low):  # "I handed in my resignation (at KPMG)"
        yield c.claim("occupation", negated=True, changed=True, covers=JOB_SLOTS)
    for m in QUIT_JOB.finditer(c.text):
        yield from _quit(c, m)
    for m in NEW_JOB.finditer(c.low):
        title = _job_title(m["v"] or "", require_known=False)
        yield c.claim("occupation", title, changed=True, covers=("field",) if title else ())
        if m["at"]:
            yield c.claim("employer", _employer(c.text[m.start("at") : m.end("at")]), changed=True)
    if CAREER_CHANGE.search(c.low):
        yield c.claim("occupation", changed=True, covers=("field", "employer"))
    for m in EMPLOYER.finditer(c.low):
        value = c.cased(m)
        if m["prep"] == "for" and re.match(r"(myself|a living|free|hours|years|months|the weekend)\b", m["v"]):
            continue
        if re.match(r"(home|night|the weekend|weekends|the moment|least|all)\b", m["v"]):
            continue
        employer = _employer(value)
        if employer:
            past = m["verb"] == "worked" and not re.search(r"\b(have|has) worked", c.low)
            yield c.claim("employer", employer, negated=past or negated_before(c.low, m.start()) or ended(c.low))
    for m in JOINED.finditer(c.text):
        target = _employer(m["v"])
        organisation = target[:1].isupper() or target.lower() in ("startup", "start-up", "company", "firm", "agency")
        if organisation and not re.search(
            r"\b(club|team|band|gym|choir|group|class|league|society|orchestra)\b", m["v"].lower()
        ):
            yield c.claim("employer", target, changed=True)
    for m in FIELD_CHANGE.finditer(c.low):  # "I moved into marketing"
        if m["v"] in FIELDS:
            yield c.claim("field", m["v"], changed=True)
    for m in FIELD.finditer(c.low):
        value = phrase(m["v"], 2)
        place = value in PLACE_NOUNS or value in DWELLINGS or c.cased(m)[:1].isupper()
        if value and value not in ("the", "a") and not place:
            yield c.claim("field", value, negated=ended(c.low))
    for m in SHIFT.finditer(c.low):
        yield c.claim("shift", m["v"], negated=negated_before(c.low, m.start()) or ended(c.low))
    if REMOTE.search(c.low):
        yield c.claim("workplace", "home", negated=ended(c.low))
    if OFFICE.search(c.low) and re.search(r"\b(work|back|commute|go|full time|every day)\b", c.low):
        yield c.claim("workplace", "office", negated=ended(c.low))
    for m in STUDENT.finditer(c.text):
        yield c.claim("school", capitalised(c.cased(m)), negated=ended(c.low))
    for m in PROMOTED.finditer(c.low):
        title = _job_title(m["v"], require_known=False)
        if title and not re.match(r"(?:a |the )?(?:member|partner|friend|fan|mother|father|mum|dad)\b", title):
            yield c.claim("occupation", title, changed=True)
    for m in SCHOOL_AT.finditer(c.low):
        yield c.claim("school", m["v"], changed=c.changed or not m.group().startswith(("is", "am", "are")))
    if GRADUATED.search(c.low):
        yield c.claim("occupation", "student", negated=True, changed=True)
        yield c.claim("school", negated=True, changed=True)


def _quit(c: Clause, m: re.Match[str]) -> Iterable[Claim]:
    target = m["v"]
    if target.lower() in ("job", "work", "career", "position", "role"):
        if target.lower() == "work" and re.match(r"\s+(early|late|at|for)\b", m["rest"]):
            return
        yield c.claim("occupation", negated=True, changed=True, covers=JOB_SLOTS)
    elif target[:1].isupper():
        yield c.claim("employer", capitalised(target), negated=True, changed=True)
    elif target in PROFESSIONS or target.endswith("ing") and re.match(r"\s+professionally\b", m["rest"]):
        yield c.claim("occupation", target, negated=True, changed=True)  # "I quit teaching"


PROFESSIONS = frozenset(words("teaching nursing medicine law academia modelling acting coaching tutoring"))


def _job_title(value: str, *, require_known: bool) -> str:
    """The words of ``value`` up to and including an occupation ("software developer at X" -> "software developer")."""
    words = [w.strip(".,!?;:") for w in value.split()]
    last = None  # the head is the last occupation word: "engineering manager", not "engineering"
    for index, word in enumerate(words):
        if word in NON_JOB_WORDS or word in BOUNDARY_JOB:
            break
        if word in OCCUPATIONS or stem(word) in OCCUPATION_STEMS:
            last = index
    if last is not None:
        return " ".join(words[: last + 1])
    if require_known:
        return ""
    title = " ".join(w for w in words[:3] if w not in BOUNDARY_JOB)
    return "" if not title or title in NON_JOB_WORDS else title


BOUNDARY_JOB = frozenset(
    words("at for in with since now and but so who of on from because when to until again these full-time part-time")
)


OCCUPATION_STEMS = {stem(word) for word in OCCUPATIONS}


def _employer(value: str) -> str:
    value = value.strip()
    name = capitalised(value)
    if name and value.lower().startswith(name.lower()[:3]):
        return name
    words = phrase(value, 3).lower().split()
    words = [w for w in words if w not in ("a", "an", "the", "my", "our", "local", "new", "small", "big")]
    return " ".join(words) if words else name


RULES = (occupation,)
