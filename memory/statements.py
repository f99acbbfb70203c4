"""A message cut into sentences and clauses that stand alone, one memory per statement.

Sentences are split at their ends (not after "St." or "Dr."), and at ", and I ..." / "but my ..." so
each fact can be replaced alone; a piece without a verb ("My wife" in "My wife and I moved to
Berlin", "my kids" in "I live with my wife and my kids") stays joined to its neighbour. Which
sentences tell something is learned, not listed here: the act head of ``memory.reading``.
Openers that carry nothing ("Oh, and", "Just so you know,") are dropped; a leading "Also," becomes
a trailing "too", so the statement still says it adds to what was said.
"""

from __future__ import annotations

import re

SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
JOIN = re.compile(r",?\s+(?:and|but)\s+(?=(?:I|I'm|I've|I'd|my|My|we|We|our|Our)\b)")
ABBREVIATIONS = re.compile(r"\b(?:St|Dr|Mr|Mrs|Ms|Prof|Mt|Jr|Sr|vs|etc|approx|e\.g|i\.e|No|[A-Z])\.$")  # and initials
EXPLICIT = re.compile(r"^(please\s+)?(remember|note|keep in mind)\s+(that\s+)?", re.IGNORECASE)
DISCOURSE = re.compile(
    r"^(?:(?:(?:just )?so you know|by the way|btw|fyi|for the record|oh,? and|oh|ah|and|so|well|anyway|actually|"
    r"honestly|to be honest|tbh|ok(?:ay)?|yes|yeah|yep|hi|hello|hey|guess what|big news|good news|"
    r"bad news|news|quick update|update|heads up|fun fact)[,:!.\-\u2014]*\s+"
    # "no, ..." is an opener; "no dairy for me" and "no real budget limit" say something
    r"|(?:no|nope)[,:!.\-\u2014]+\s+)+"
    r"(?=\S)",
    re.IGNORECASE,
)
# "Also, I work at a cafe" keeps that it adds to what was said: stored as "I work at a cafe too".
ALSO = re.compile(r"^(?:and\s+)?also[,:]?\s+(?=\S)", re.IGNORECASE)
REQUEST = re.compile(
    r"^(?:can|could|would|will|please|tell|help|give|show|remind|let|let's|what|how|why|when|where|who|which|"
    r"do|does|did|is|are|should|shall|suggest|recommend|find|search|list|make|write|forget|delete|remove|"
    r"any|is there|any idea|explain|describe|summarize|summarise|plan|book|order|pick|choose|thanks|thank|"
    r"great|cool|nice|awesome|sure|perfect|lol|haha|sounds)\b",
    re.IGNORECASE,
)
VERB = re.compile(
    r"\b(?:am|is|are|was|were|be|been|being|has|have|had|do|does|did|will|would|can|could|should|may|might|must|"
    r"live|lives|living|work|works|working|love|loves|like|likes|enjoy|enjoys|hate|hates|go|goes|went|play|"
    r"plays|eat|eats|drink|drinks|got|get|gets|move|moves|bought|sold|quit|left|became|need|needs|want|wants|"
    r"own|owns|drive|drives|study|studies|teach|teaches|prefer|prefers|support|supports|use|uses|speak|speaks|"
    r"take|takes|took|make|makes|made|run|runs|know|knows|think|thinks|feel|feels|keep|keeps|broke|split|"
    r"died|stopped|started|switched|turned|rent|rents|share|shares|collect|collects|wear|wears|smoke|smokes|"
    r"care|cares|miss|misses|visit|visits|grew|born|met|came|come|comes|says|said|try|tries|tried|call|calls|"
    r"go|goes|prefer|prefers|drive|drives|ride|rides|wear|wears|"
    r"\w+ed)\b|'(?:m|s|re|ve|d|ll)\b|\w+n't\b",
    re.IGNORECASE,
)
# Chat drops the subject: "Just got the keys to our new place!" is the user's "I just got ...".
PRO_DROP = re.compile(
    r"^(?:just |finally |recently |officially |also )?(?:got|moved|started|quit|bought|sold|adopted|lost|became|"
    r"switched|changed|left|joined|retired|graduated|turned|broke up|split up|gave up|stopped|signed|landed|found|"
    r"relocated|married|divorced)\b(?! (?:it|that|this|you)\b)",
    re.IGNORECASE,
)
MIN_STATEMENT_CHARS = 6


def sentences(message: str) -> list[str]:
    """The message's sentences; a full stop after an abbreviation ("St. Mary's") does not end one."""
    pieces: list[str] = []
    for piece in SENTENCE_END.split(message.strip()):
        if pieces and ABBREVIATIONS.search(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        elif piece.strip():
            pieces.append(piece)
    return pieces


def clauses(sentence: str) -> list[str]:
    """A sentence split at "and I ..." / "but my ...", keeping pieces without a verb joined to a neighbour."""
    parts = JOIN.split(sentence)
    joiners = JOIN.findall(sentence)
    merged: list[str] = [parts[0]]
    for joiner, part in zip(joiners, parts[1:], strict=True):
        if not _is_clause(merged[-1]) or not _is_clause(part):
            merged[-1] = merged[-1] + joiner + part
        else:
            merged.append(part)
    return merged


def _is_clause(piece: str) -> bool:
    """ "I bike everywhere" is (a pronoun and more); "My wife" and "my kids" are not (no verb)."""
    words = piece.split()
    if len(words) >= 2 and PRONOUN_SUBJECT.match(piece):
        return True
    return VERB.search(piece) is not None


PRONOUN_SUBJECT = re.compile(r"^(?:i|i'm|i've|i'd|i'll|we|we're|we've)\b", re.IGNORECASE)


def without_openers(text: str) -> str:
    """The text less openers that carry nothing ("btw", "oh and", "remember that"); the text if nothing is left."""
    return DISCOURSE.sub("", EXPLICIT.sub("", text.strip())).strip() or text.strip()


def cleaned(clause: str) -> str:
    """A clause as it is stored: openers ("btw", "remember that") dropped, a dropped "I" put back."""
    text = without_openers(clause).strip(" -*").rstrip(";,")
    if PRO_DROP.match(text) and not REQUEST.match(text):
        first = text.split(maxsplit=1)[0]
        text = "I " + (text if first.isupper() and len(first) > 1 else text[0].lower() + text[1:])  # "FINALLY got"
    if ALSO.match(text):
        text = ALSO.sub("", text).rstrip(".!")
        text = text if re.search(r"\b(too|as well|also)\b", text, re.I) else text + " too"
    return text[:1].upper() + text[1:]
