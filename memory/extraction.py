"""From a conversation turn to stored memories: extract candidates, then reconcile each with what is stored.

Extraction: a tool-capable chat model returns JSON (validated; one retry inside ``complete_json``).
The small local base model cannot extract reliably (it invents facts), so for it, and as the
documented fallback when a model's JSON is unusable, the statements the embedded reader finds are
taken verbatim (``memory.reading``: the sentences its act head reads as telling, cut into clauses).

Reconciliation decides add / update / supersede / ignore: a near-duplicate is ignored; the memories
the statement makes untrue are found by the learned judge of replacement and by subject, slot and
value (``memory.supersede``), then gated by the learned slots (``retired``); a capable model sees
those and the closest memories and decides with short indices that are mapped back and checked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from prompts import render

from .claims import claims
from .embedder import Embedder
from .errors import AlreadySupersededError, NotFoundError, RapportError
from .reading.labels import MANY_VALUED, SAFETY, SINGLE_VALUED, Change, Slot
from .reading.reader import EmbeddedReader
from .reading.replacement import MIN_REPLACE_PROBABILITY, ReplaceJudge
from .reading.values import distinct_values
from .records import MAX_TEXT_BYTES, Hit, Memory, MemoryKind
from .store import MemoryStore
from .supersede import replaced_by

if TYPE_CHECKING:
    from agent.llm.base import ChatModel

log = logging.getLogger(__name__)

DUPLICATE_SIMILARITY = 0.93  # MiniLM cosine: "I love hiking" vs "I love hiking!" is .96
FAVOURITE = "favourite:"  # the rules' slot prefix for "my favourite X": one at a time
RELATED_SIMILARITY = 0.3  # a said change only retires a memory at least this close (a taste, not a car)
SAME_ITEM_SIMILARITY = 0.75  # two statements this close are about the same item ("I love coffee" / "I hate coffee")
JUDGED_HITS = 3  # the closest memories the learned judge of replacement looks at, beside the rules' finds
TASTES = {Slot.LIKE, Slot.DISLIKE}  # a liking and a dislike of the same item cannot both hold
MAX_SHOWN = 5  # memories found by slot shown to a capable model beside the closest hits
MAX_SCANNED = 20_000  # active memories compared by slot; claims are parsed once per text and cached

MIN_MEMORY_CHARS = 3
MAX_STATEMENT_CHARS = 500  # a statement stored from a message; longer ones are cut
MAX_CANDIDATES_PER_TURN = 20
"""The most distinct statements one turn can add to memory; repeats within the turn count once.

Why: one background writer reconciles every turn's candidates in turn, each against the user's whole
store (a search, a slot scan, or a model call). A 28 KB message of "I like" repeated 4,000 times
kept it busy for 33 s while every other user's writes waited behind it. A person telling about
themselves says a handful of things per message; 20 keeps a long introduction whole and bounds the
writer's work per turn, on both extraction paths (and the reply's acknowledgement of what it heard).
"""
RECONCILE_ATTEMPTS = 3  # decisions made before giving up on a target that keeps changing (then: add)


class Candidate(BaseModel):
    """Something worth remembering about the user, phrased as the user would say it."""

    text: str = Field(min_length=MIN_MEMORY_CHARS, max_length=MAX_TEXT_BYTES)
    kind: Literal["fact", "preference", "event"] = "fact"


class Extraction(BaseModel):
    memories: list[Candidate] = Field(default_factory=list, max_length=MAX_CANDIDATES_PER_TURN)


class Decision(BaseModel):
    """A model's verdict on one candidate; ``target`` is a 1-based index into the shown memories."""

    action: Literal["add", "update", "supersede", "ignore"]
    target: int | None = None


class Outcome(BaseModel):
    action: Literal["add", "update", "supersede", "ignore"]
    memory: Memory | None = None
    replaced: Memory | None = None
    also: list[Memory] = Field(default_factory=list, description="further memories a supersede retired")


def statements(embedder: Embedder, message: str) -> list[Candidate]:
    """What the user told in a message, verbatim, as the embedded reader reads it (``distinct``)."""
    return distinct(
        Candidate(text=s.text[:MAX_STATEMENT_CHARS], kind=s.kind)
        for s in EmbeddedReader(embedder).read(message).statements
    )


def distinct(candidates: Iterable[Candidate]) -> list[Candidate]:
    """The first ``MAX_CANDIDATES_PER_TURN`` different candidates, in order; case, spacing and a final stop ignored."""
    kept: dict[str, Candidate] = {}
    for candidate in candidates:
        kept.setdefault(" ".join(candidate.text.casefold().split()).rstrip(".!"), candidate)
        if len(kept) == MAX_CANDIDATES_PER_TURN:
            break
    return list(kept.values())


def kind_of(embedder: Embedder, text: str) -> Literal["fact", "preference", "event"]:
    """A statement's kind from its learned slot and need (``Statement.kind``)."""
    return EmbeddedReader(embedder).classify([text])[0].kind


def extract(model: ChatModel | None, embedder: Embedder, user_message: str, reply: str = "") -> list[Candidate]:
    """Candidates from one turn; see the module docstring for which path runs when."""
    if model is None or not getattr(model, "supports_tools", False):
        return statements(embedder, user_message)
    from agent.llm.base import Message

    prompt = render("extract_memories", message=user_message, reply=reply)
    try:
        return distinct(model.complete_json([Message(role="user", content=prompt)], Extraction).memories)
    except RapportError as error:
        log.warning("memory extraction fell back to verbatim statements: %s", error)
        return statements(embedder, user_message)


def decide(
    store: MemoryStore,
    user_id: str,
    candidate: Candidate,
    *,
    model: ChatModel | None = None,
    identical_only: bool = False,
) -> Outcome:
    """What ``reconcile`` would do with ``candidate``, without writing: the reply can say it before the write.

    ``memory`` is the stored memory the action applies to (none for "add"); ``also`` are further
    memories a supersede retires. A near-duplicate is ignored only when it carries the same names,
    numbers and dates (with ``identical_only``, only the same text is). Replaced memories are found
    by slot among all of the user's active memories (``memory.supersede``: "I just moved to Berlin"
    and "I live in Paris" are far apart in embedding space), and every one is then checked against
    the learned slots (``memory.reading.labels``): a safety fact never falls to another slot, nor a
    taste to a different one.
    """
    hits = store.search(user_id, candidate.text, k=5, mode="dense")
    if hits and _duplicate(candidate.text, hits[0], identical_only):
        return Outcome(action="ignore", memory=hits[0].memory)
    stale = replaced_by(candidate.text, _closest_first(store, user_id, hits), similar=_value_similarity(store))
    stale = retired(store, candidate.text, stale, closest=[h.memory for h in hits[:JUDGED_HITS]])
    shown = list({m.id: m for m in [*(h.memory for h in hits), *stale[:MAX_SHOWN]]}.values())
    decision = _decide_by_model(model, candidate, shown) if shown else None
    if decision is not None:
        target = shown[decision.target - 1] if decision.target else None
        if decision.action != "add" and target is None:
            return Outcome(action="add")
        also = [m for m in stale if target is not None and m.id != target.id] if decision.action == "supersede" else []
        return Outcome(action=decision.action, memory=target, also=also)
    if stale:
        return Outcome(action="supersede", memory=stale[0], also=stale[1:])
    return Outcome(action="add")


def _duplicate(text: str, closest: Hit, identical_only: bool) -> bool:
    if identical_only:
        return _plain(text) == _plain(closest.memory.text)
    return closest.score >= DUPLICATE_SIMILARITY and not distinct_values(text, closest.memory.text)


def _plain(text: str) -> str:
    return " ".join(text.casefold().split()).rstrip(".!")


def retired(store: MemoryStore, text: str, stale: list[Memory], closest: Sequence[Memory] = ()) -> list[Memory]:
    """The memories ``text`` makes untrue: those the learned judge says it replaces, and those the slot rules found.

    The judge (``memory.reading.replacement``) looks at the closest memories and at the rules' finds;
    it reads updates no rule lists ("left Brightwave, I'm at Tandem Labs now"). A rule's find stands
    without it only when one of the two fills a single-valued slot (home, job, partner, a favourite),
    when the statement says something changed (the change head, or the rules' "now", "these days"),
    or when both are about the same item (close in meaning): "I dislike OLED screens" stays beside
    "I prefer physical keyboards". Whoever finds it, a safety fact (allergy, health, diet) only falls
    to a statement of its own slot.
    """
    found = {m.id for m in stale}
    candidates = list({m.id: m for m in [*stale, *closest]}.values())
    if not candidates:
        return []
    new, *olds = EmbeddedReader(store.embedder).classify([text, *(m.text for m in candidates)])
    judged = ReplaceJudge(store.embedder).probabilities(text, [m.text for m in candidates])
    said = claims(text)  # the rules' own reading: "now", "these days", "my favourite ..."
    said_to_change = new.change is not Change.NONE or any(c.changed for c in said)  # "not" alone changes nothing
    favourite = any(c.slot.startswith(FAVOURITE) for c in said)
    ends = new.change in {Change.ENDS, Change.CORRECTION}  # "Milo died", "sorry, she's 8"
    similarity = _similarities(store, text, candidates)
    kept = []
    for memory, old, close, replaced in zip(candidates, olds, similarity, judged, strict=True):
        if old.slot in SAFETY and new.slot != old.slot:
            continue
        adds = new.slot in MANY_VALUED and old.slot in MANY_VALUED and not ends  # a second cat adds to Milo
        if replaced >= MIN_REPLACE_PROBABILITY and close >= RELATED_SIMILARITY and not adds:
            kept.append(memory)  # an update is about the same thing: never a memory this far in meaning
        elif memory.id not in found:
            continue
        elif new.slot in SINGLE_VALUED or old.slot in SINGLE_VALUED:
            kept.append(memory)
        elif close >= SAME_ITEM_SIMILARITY and (said_to_change or {old.slot, new.slot} == TASTES):
            kept.append(memory)  # "I hate coffee now" / "I love coffee"; the same taste said again keeps both
        elif (favourite or said_to_change) and close >= RELATED_SIMILARITY:
            kept.append(memory)  # "these days my favourite food is tacos" / "my favourite food is sushi": .58
    return kept


def _similarities(store: MemoryStore, text: str, memories: list[Memory]) -> list[float]:
    vectors = store.embedder.encode([text, *(m.text for m in memories)])
    return [float(v @ vectors[0]) for v in vectors[1:]]


def _closest_first(store: MemoryStore, user_id: str, hits: list[Hit]) -> list[Memory]:
    """The user's active memories, the closest hits first, then newest first."""
    closest = [h.memory for h in hits]
    seen = {m.id for m in closest}
    return closest + [m for m in store.list(user_id, limit=MAX_SCANNED) if m.id not in seen]


def _value_similarity(store: MemoryStore) -> Callable[[str, str], float]:
    """Cosine of two short values ("Windows", "Linux"); the embedder caches what it encoded."""

    def similar(a: str, b: str) -> float:
        vectors = store.embedder.encode([a, b])
        return float(vectors[0] @ vectors[1])

    return similar


def reconcile(
    store: MemoryStore,
    user_id: str,
    candidate: Candidate,
    *,
    model: ChatModel | None = None,
    source: str | None = None,
    identical_only: bool = False,
) -> Outcome:
    """Store ``candidate`` as new, as an update or a replacement of a close memory, or not at all.

    The user's write lock (``MemoryStore.writing``) is held from the decision to the write, so the
    same text sent by concurrent requests and the background writer is stored once. If the memory a
    decision named was replaced or deleted in between anyway (by a write that does not reconcile:
    an import, a restore), the decision is made again: the caller named no memory and must never
    get an error about one.
    """
    with store.writing(user_id):
        for _ in range(RECONCILE_ATTEMPTS):
            decision = decide(store, user_id, candidate, model=model, identical_only=identical_only)
            try:
                return _apply(store, user_id, candidate, decision, source)
            except (AlreadySupersededError, NotFoundError) as error:
                if isinstance(error, NotFoundError) and error.field != "memory_id":
                    raise
                log.warning("a memory changed while reconciling (%s); deciding again", error)
        return _apply(store, user_id, candidate, Outcome(action="add"), source)  # keeping a fact beats losing it


def _apply(store: MemoryStore, user_id: str, candidate: Candidate, decision: Outcome, source: str | None) -> Outcome:
    """Write what ``decide`` decided."""
    target = decision.memory
    if decision.action == "ignore":
        return Outcome(action="ignore", memory=target)
    if decision.action == "supersede" and target is not None:
        also = [m.id for m in decision.also]
        memory = store.supersede(user_id, target.id, candidate.text, also=also)
        return Outcome(action="supersede", memory=memory, replaced=target, also=decision.also)
    if decision.action == "update" and target is not None:
        return Outcome(action="update", memory=store.update(user_id, target.id, text=candidate.text), replaced=target)
    memory = store.add(user_id, candidate.text, kind=MemoryKind(candidate.kind), source=source)
    return Outcome(action="add", memory=memory)


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
