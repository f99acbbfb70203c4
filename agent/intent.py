"""What a message does: greets, tells something, asks about the user, asks for something, or chats.

A small model cannot be trusted to notice these by itself, so a turn is read by rules first: the
deterministic planner routes tools from it, and the grounded reply answers each part from the right
source (memories for questions about the user, the recommend tool for catalog requests, the model
for open requests and chat).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from memory.extraction import Candidate, statements


class Social(StrEnum):
    """Conversation moves that need a friendly word, not facts."""

    GREETING = "greeting"
    HOW_ARE_YOU = "how_are_you"
    THANKS = "thanks"
    FAREWELL = "farewell"
    WELL_WISH = "well_wish"
    WHO_ARE_YOU = "who_are_you"
    CAPABILITIES = "capabilities"
    ACKNOWLEDGEMENT = "acknowledgement"


class Ask(StrEnum):
    """What the question or request of a turn wants."""

    RECALL = "recall"  # a fact about the user: answered from memories
    ABOUT_ME = "about_me"  # everything known about the user
    REQUEST = "request"  # suggest, plan, what should I...: written by the model, checked
    RECOMMEND = "recommend"  # catalog items: the recommend tool
    FORGET = "forget"
    REMEMBER = "remember"
    CHAT = "chat"  # anything else: the model, checked


_SOCIAL_PATTERNS: tuple[tuple[Social, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (
            Social.HOW_ARE_YOU,
            r"^(hi|hello|hey)?[,!. ]*(how are you|how are things|how's it going|how is it going|"
            r"how('s| is| has) your (day|week|morning|evening)|how have you been|what's up|how do you do)\b",
        ),
        (Social.WHO_ARE_YOU, r"^(and )?(who|what) are you\b|^what('s| is) your name\b|^are you (a bot|an ai|human)\b"),
        (
            Social.CAPABILITIES,
            r"^(so )?(what can you do|what do you do|how can you help|what are you (good )?for|"
            r"what can you help( me)? with|help)\b",
        ),
        (Social.THANKS, r"^(ok(ay)?[,!. ]+)?(thanks|thank you|thx|cheers|much appreciated|great,? thanks)\b"),
        (
            Social.WELL_WISH,
            r"^(ok(ay)?[,!. ]+)?(thanks[,!. ]+)?(have a (nice|good|great|lovely|wonderful) "
            r"(day|evening|night|weekend|week|trip|time)|good night|enjoy your (day|evening|weekend))\b",
        ),
        (
            Social.FAREWELL,
            r"^(ok(ay)?[,!. ]+)?(bye|goodbye|see you|see ya|talk (to you )?(later|soon)|i (have|need|got) to go)\b"
            r"|\bbye[!. ]*$",
        ),
        (
            Social.GREETING,
            r"^(hi|hello|hey|hiya|howdy|greetings|good (morning|afternoon|evening)|yo)\b"
            r"( there| again| rapport| everyone)?[!,. ]*$",
        ),
        (
            Social.ACKNOWLEDGEMENT,
            r"^(ok(ay)?|cool|great|nice|sure|got it|alright|all right|fine|perfect|awesome|"
            r"sounds good|i see)([,!. ]+(cool|thanks|then|great|nice))?[!,. ]*$",
        ),
    )
)
_GREETING_START = re.compile(r"^(hi|hello|hey|hiya|good (morning|afternoon|evening))\b[^.!?]*[.!?,]?\s*", re.IGNORECASE)
_ABOUT_ME = re.compile(
    r"\b(what (do|did) you (know|remember|recall) about me|what have i told you|tell me (about me|about myself|"
    r"what you know)|what do you know of me|who am i\b|what(’|')?s my profile|summari[sz]e (me|what you know))",
    re.IGNORECASE,
)
_FORGET = re.compile(r"^\s*(please\s+)?forget\s+(that\s+|about\s+)?(?P<what>.{3,})$", re.IGNORECASE | re.DOTALL)
_REMEMBER = re.compile(r"^\s*(please\s+)?(remember|note|keep in mind)\s+(that\s+)?(?P<what>.{3,})$", re.I | re.DOTALL)
_REQUEST = re.compile(
    r"\b(recommend|suggest|suggestion|ideas?|tips?|advice|plans?|what should (i|we)|what could (i|we)|"
    r"where (should|could|can|might) (i|we)|how (should|can|could|might) (i|we)|how to|ways to|"
    r"(what|which) (\w+ ){0,3}(can|could|might) (i|we) (?!not\b)\w+|"
    r"what(?:'s| is| are) (a |some )?good|should i|help me|give me|can you (make|write|find|think of|come up)|"
    r"any (good )?(ideas|tips|suggestions|recommendations)|what (would|do) you (suggest|recommend)|"
    r"what to (do|cook|eat|make|wear|buy|get|watch|read))\b",
    re.IGNORECASE,
)
# What the item catalog holds (films), by kind and by genre: "a tense thriller" asks the catalog.
_CATALOG_WORDS = re.compile(
    r"\b(movies?|films?|flicks?|watch|cinema|screen|something to see|documentar(y|ies)|musicals?|thrillers?|"
    r"comed(y|ies)|rom-?coms?|dramas?|horror|sci-?fi|science fiction|westerns?|animations?|animated|cartoons?|"
    r"blockbusters?|tearjerkers?|whodunn?its?|war epic|action (one|flick)|film noir|noir|anime)\b",
    re.I,
)
# "Recommend me something for tonight": with nothing else named, a vague request is for the catalog.
_VAGUE_REQUEST = re.compile(
    r"\b(recommend|suggest)\s+(me\s+|us\s+)?(something|anything)\b"
    r"(?!\s+(to|for)\s+(do|eat|cook|make|buy|wear|read|drink|dinner|lunch|breakfast|my|a gift|a present))",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^(what|where|when|who|whom|whose|which|why|how|do|does|did|am|is|are|was|were|can|could|would|will|have|has)\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|my|me|mine|myself|am i)\b", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?])\s+")


@dataclass
class Turn:
    """One message read by the rules: the social moves, what it told, and what it asks."""

    message: str
    social: list[Social] = field(default_factory=list)
    told: list[Candidate] = field(default_factory=list)
    ask: Ask | None = None
    question: str = ""  # the sentence that asks (or the whole message for remember/forget)
    context: list[str] = field(default_factory=list)  # the other sentences: "She loves gardening."
    name: str | None = None  # a name the user introduced themselves with


_NAME = re.compile(
    r"\b(?i:my name is|my name's|call me|i am|i'm|this is)\s+(?P<name>[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?)\s*(?:[.!,]|$)"
)


def read_turn(message: str) -> Turn:
    """Split a message into its moves; see the module docstring."""
    text = message.strip()
    turn = Turn(message=text)
    if match := _FORGET.match(text):
        turn.ask, turn.question = Ask.FORGET, match["what"].strip()
        return turn
    if match := _REMEMBER.match(text):
        turn.ask, turn.question = Ask.REMEMBER, match["what"].strip()
        turn.told = statements(text)
        return turn
    if match := _NAME.search(text):
        turn.name = match["name"]
    plain = []
    for sentence in _sentences(text):
        social = social_move(sentence)
        if social is not None:
            turn.social.append(social)
        elif is_question(sentence) or _REQUEST.search(sentence):
            turn.ask, turn.question = classify_question(sentence), sentence
        else:
            plain.append(sentence)
    turn.told = statements("\n".join(plain))
    turn.context = plain
    return turn


def social_move(sentence: str) -> Social | None:
    for kind, pattern in _SOCIAL_PATTERNS:
        if pattern.search(sentence.strip()):
            return kind
    return None


def is_question(sentence: str) -> bool:
    return sentence.rstrip().endswith("?") or bool(_QUESTION_START.match(sentence.strip()))


def classify_question(sentence: str) -> Ask:
    """What a question or request sentence asks for."""
    if _ABOUT_ME.search(sentence):
        return Ask.ABOUT_ME
    if _REQUEST.search(sentence):
        catalog = _CATALOG_WORDS.search(sentence) or _VAGUE_REQUEST.search(sentence)
        return Ask.RECOMMEND if catalog else Ask.REQUEST
    if _CATALOG_WORDS.search(sentence) and re.search(r"\b(good|best|new)\b", sentence, re.I):
        return Ask.RECOMMEND
    if _FIRST_PERSON.search(sentence):
        return Ask.RECALL
    return Ask.CHAT


def _sentences(text: str) -> list[str]:
    """Sentences, with a leading greeting ("Hi! ...", "Hello Rapport, ...") split off as its own."""
    found: list[str] = []
    for sentence in _SENTENCES.split(text):
        sentence = sentence.strip()
        greeting = _GREETING_START.match(sentence)
        if greeting and greeting.end() < len(sentence) and social_move(greeting.group(0)) is Social.GREETING:
            found.append(greeting.group(0).strip())
            sentence = sentence[greeting.end() :].strip()
        if sentence:
            found.append(sentence)
    return found
