"""From a conversation turn to stored memories: extract candidates, then reconcile each with what is stored.

Extraction: a tool-capable chat model returns JSON (validated; one retry inside ``complete_json``).
The small local base model cannot extract reliably (it invents facts), so for it, and as the
documented fallback when a model's JSON is unusable, the user's own first-person statements are
taken verbatim. Reconciliation decides add / update / supersede / ignore against the closest stored
memories; a capable model decides with short indices that are mapped back and checked, otherwise
similarity and change words ("now", "moved", "no longer", ...) decide.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from prompts import render

from .errors import RapportError
from .records import MAX_TEXT_BYTES, Memory, MemoryKind
from .store import MemoryStore

if TYPE_CHECKING:
    from agent.llm.base import ChatModel

log = logging.getLogger(__name__)

DUPLICATE_SIMILARITY = 0.93  # MiniLM cosine: "I love hiking" vs "I love hiking!" is .96
SAME_SLOT_SIMILARITY = 0.80  # "my favourite colour is blue" vs "... is now green" is .79-.85
CHANGED_SIMILARITY = 0.50  # with a change word: "I live in Paris" vs "I moved from Paris to Berlin" is .63
CHANGE_WORDS = re.compile(
    r"\b(now|no longer|not anymore|anymore|moved|switched|changed|instead|actually|these days|stopped|quit|"
    r"used to|any more|not .* any ?more)\b",
    re.IGNORECASE,
)
PREFERENCE_WORDS = re.compile(
    r"\b(like[sd]?|love[sd]?|enjoy(s|ed)?|prefer(s|red)?|favou?rite|hate[sd]?|dislike[sd]?|can't stand|cannot stand|"
    r"fan of|into|allergic|avoid(s|ed)?|vegetarian|vegan)\b",
    re.IGNORECASE,
)
EVENT_WORDS = re.compile(r"\b(yesterday|today|tomorrow|last|next|ago|went|visited|started|finished|bought|met)\b", re.I)
FIRST_PERSON = re.compile(r"^(i|i'm|i've|i'd|i'll|my|we|we're|our|me)\b", re.IGNORECASE)
EXPLICIT = re.compile(r"^(please\s+)?(remember|note|keep in mind)\s+(that\s+)?", re.IGNORECASE)
# Openers that carry no fact: "Just so you know, I'm allergic to penicillin" stores "I'm allergic to penicillin".
DISCOURSE = re.compile(
    r"^((just )?so you know|by the way|btw|fyi|oh,? and|and also|also|actually|well|so|anyway|ok(ay)?|hi|hello|hey)"
    r"[,:!.]?\s+(?=(i|i'm|i've|i'd|my|we|we're|our)\b)",
    re.IGNORECASE,
)
# Sentence ends, and "..., and I ..." joins: one memory per statement, so each can be superseded alone.
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+|,?\s+(?:and|but)\s+(?=(?:I|I'm|I've|my|My)\b)")


MIN_MEMORY_CHARS = 3


class Candidate(BaseModel):
    """Something worth remembering about the user, phrased as the user would say it."""

    text: str = Field(min_length=MIN_MEMORY_CHARS, max_length=MAX_TEXT_BYTES)
    kind: Literal["fact", "preference", "event"] = "fact"


class Extraction(BaseModel):
    memories: list[Candidate] = Field(default_factory=list, max_length=10)


class Decision(BaseModel):
    """A model's verdict on one candidate; ``target`` is a 1-based index into the shown memories."""

    action: Literal["add", "update", "supersede", "ignore"]
    target: int | None = None


class Outcome(BaseModel):
    action: Literal["add", "update", "supersede", "ignore"]
    memory: Memory | None = None
    replaced: Memory | None = None


def statements(message: str) -> list[Candidate]:
    """First-person statements of a message, verbatim: what the user said about themselves."""
    found = []
    for raw in SENTENCE_END.split(message.strip()):
        sentence = DISCOURSE.sub("", EXPLICIT.sub("", raw.strip())).strip(" -*").rstrip(";,")
        if len(sentence) < 6 or sentence.endswith("?") or not FIRST_PERSON.match(sentence):
            continue
        sentence = sentence[0].upper() + sentence[1:]
        found.append(Candidate(text=sentence[:500], kind=guess_kind(sentence)))
    return found


def guess_kind(text: str) -> Literal["fact", "preference", "event"]:
    if PREFERENCE_WORDS.search(text):
        return "preference"
    if EVENT_WORDS.search(text):
        return "event"
    return "fact"


def extract(model: ChatModel | None, user_message: str, reply: str = "") -> list[Candidate]:
    """Candidates from one turn; see the module docstring for which path runs when."""
    if model is None or not getattr(model, "supports_tools", False):
        return statements(user_message)
    from agent.llm.base import Message

    prompt = render("extract_memories", message=user_message, reply=reply)
    try:
        return model.complete_json([Message(role="user", content=prompt)], Extraction).memories
    except RapportError as error:
        log.warning("memory extraction fell back to verbatim statements: %s", error)
        return statements(user_message)


def decide(store: MemoryStore, user_id: str, candidate: Candidate, *, model: ChatModel | None = None) -> Outcome:
    """What ``reconcile`` would do with ``candidate``, without writing: the reply can say it before the write.

    ``memory`` is the stored memory the action applies to (none for "add").
    """
    hits = store.search(user_id, candidate.text, k=5, mode="dense")
    if hits and hits[0].score >= DUPLICATE_SIMILARITY:
        return Outcome(action="ignore", memory=hits[0].memory)
    decision = _decide_by_model(model, candidate, [h.memory for h in hits]) if hits else None
    if decision is None:
        decision = _decide_by_similarity(candidate, [(h.memory, h.score) for h in hits])
    target = hits[decision.target - 1].memory if decision.target else None
    if decision.action != "add" and target is None:
        return Outcome(action="add")
    return Outcome(action=decision.action, memory=target)


def reconcile(
    store: MemoryStore, user_id: str, candidate: Candidate, *, model: ChatModel | None = None, source: str | None = None
) -> Outcome:
    """Store ``candidate`` as new, as an update or a replacement of a close memory, or not at all."""
    decision = decide(store, user_id, candidate, model=model)
    target = decision.memory
    if decision.action == "ignore":
        return Outcome(action="ignore", memory=target)
    if decision.action == "supersede" and target is not None:
        return Outcome(action="supersede", memory=store.supersede(user_id, target.id, candidate.text), replaced=target)
    if decision.action == "update" and target is not None:
        return Outcome(action="update", memory=store.update(user_id, target.id, text=candidate.text), replaced=target)
    memory = store.add(user_id, candidate.text, kind=MemoryKind(candidate.kind), source=source)
    return Outcome(action="add", memory=memory)


def _decide_by_similarity(candidate: Candidate, scored: list[tuple[Memory, float]]) -> Decision:
    if not scored:
        return Decision(action="add")
    closest, similarity = scored[0]
    changed = CHANGE_WORDS.search(candidate.text) is not None
    if similarity >= SAME_SLOT_SIMILARITY or (changed and similarity >= CHANGED_SIMILARITY):
        return Decision(action="supersede", target=1)
    return Decision(action="add")


def _decide_by_model(model: ChatModel | None, candidate: Candidate, shown: list[Memory]) -> Decision | None:
    """Ask a capable model; an index it returns is only trusted if it names a shown memory."""
    if model is None or not getattr(model, "supports_tools", False):
        return None
    from agent.llm.base import Message

    listing = "\n".join(f"[{index}] {memory.text}" for index, memory in enumerate(shown, start=1))
    prompt = render("reconcile_memory", candidate=candidate.text, memories=listing)
    try:
        decision = model.complete_json([Message(role="user", content=prompt)], Decision)
    except RapportError as error:
        log.warning("memory reconciliation fell back to similarity: %s", error)
        return None
    if decision.action in ("update", "supersede") and not (decision.target and 1 <= decision.target <= len(shown)):
        log.warning("model named memory %r, which was not shown; deciding by similarity", decision.target)
        return None
    return decision
