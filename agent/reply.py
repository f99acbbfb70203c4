"""The grounded reply: what a model that cannot be trusted with facts says, built so that it is right.

Small local models echo the user's words as their own, invent, and bring back replaced facts. So a
reply is assembled from parts, each from the source that can be trusted with it:
- a social move (hello, thanks, bye) gets a short friendly line, with the user's name when known;
- what the user told is acknowledged from what will be stored, in the second person, with what it replaces;
- a question about the user is answered from the current memories that answer it, or the reply says
  it does not know (``agent.answering``);
- catalog requests list the recommend tool's picks with their reasons;
- open requests and chat are written by the model, one checked sentence at a time: a sentence that
  breaks a constraint (``agent.constraints``), repeats the user's words as the assistant's, or is a
  non-answer is dropped, the draft redrawn, and if nothing good comes a plain fallback is said.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import prompts
from agent.answering import answering_memories
from agent.constraints import (
    banned_words,
    constraints_from,
    is_food_need,
    is_food_request,
    is_need,
    stale_words,
    violations,
)
from agent.llm.base import ChatModel, Message
from agent.model_reader import ModelReader
from agent.prompting import picks_text
from agent.suggestions import NOTHING_KNOWN, SuggestionLibrary
from memory import Memory, MemoryStore
from memory.errors import RapportError
from memory.extraction import MAX_STATEMENT_CHARS, Candidate, decide
from memory.lexicon import PARTNERS, PEOPLE, PETS
from memory.person import as_clause, as_sentence, cause_of, join_clauses
from memory.reading import Act, Reading, Slot
from memory.reading.reader import EmbeddedReader
from memory.reading.subjects import about_someone_else
from memory.reading.values import self_name
from memory.records import MemoryKind, MemoryStatus
from tools.personal_label import answer_line as label_answer

ANSWER_KINDS = (MemoryKind.FACT, MemoryKind.PREFERENCE, MemoryKind.EVENT, MemoryKind.INTERACTION)
PERSONAL_KINDS = (MemoryKind.FACT, MemoryKind.PREFERENCE, MemoryKind.EVENT)
LEAD_SIMILARITY = 0.3  # a memory this close to a request is worth saying it was taken into account
NEED_BONUS = 0.5  # a need (diet, budget, wheelchair, children) ranks before a merely close memory
LIKE_BONUS = 0.25  # what the user loves doing (or their dog) counts for a request about their free time
_FREE_TIME_REQUEST = re.compile(
    r"\b(do|weekend|day off|days off|evening|tonight|afternoon|morning|free time|spare time|holiday|vacation|"
    r"trip|plans?|bored|hobby|activity|activities|fun)\b",
    re.IGNORECASE,
)
# What shapes free time: what the user loves doing, and a pet that comes along (or needs looking after).
_FREE_TIME_FACT = re.compile(
    r"\b(love|loves|enjoy|enjoys|like|likes|into|fan of|passionate|crazy about|favou?rite|"
    + "|".join(sorted(map(re.escape, PETS), key=len, reverse=True))
    + r")\b",
    re.I,
)
RETRY_TEMPERATURE = 0.8
SUGGESTION_STOPS = ["\n\n", "\nPerson:", "\nRequest:", "\nSuggestion:"]
MAX_LEAD_FACTS = 2
# The parts of life a question about one slot also covers: "my family" takes in a partner.
_RELATED_SLOTS: dict[Slot, frozenset[Slot]] = {
    Slot.FAMILY: frozenset({Slot.FAMILY, Slot.PARTNER}),
    Slot.PARTNER: frozenset({Slot.PARTNER, Slot.FAMILY}),
    Slot.JOB: frozenset({Slot.JOB, Slot.EDUCATION}),
    Slot.DIET: frozenset({Slot.DIET, Slot.ALLERGY, Slot.DISLIKE}),
    Slot.ALLERGY: frozenset({Slot.ALLERGY, Slot.DIET}),
    Slot.HEALTH: frozenset({Slot.HEALTH, Slot.ALLERGY}),
    Slot.HOME: frozenset({Slot.HOME, Slot.ORIGIN}),
}


def related_slots(focus: Slot) -> frozenset[Slot]:
    return _RELATED_SLOTS.get(focus, frozenset({focus}))


MAX_DRAFT_SENTENCES = 3
NON_ANSWER = re.compile(
    r"(don'?t|do not) (know|understand) what you mean|not sure what you mean|(can|could) you (please )?clarify|"
    r"as an ai|language model|i (can'?t|cannot|am unable to|'m unable to) (help|assist|answer)|i'?m sorry|"
    r"i apologi[sz]e|^(user|assistant|system)\s*:|\bi (don'?t|do not) know\b|\bnot sure\b|tell me and i will|"
    r"i'?ll remember|what'?s your pleasure",
    re.IGNORECASE,
)
_FIRST_PERSON_WORDS = frozenset({"i", "i'm", "i've", "i'd", "i'll", "my", "me", "mine", "we", "our"})
_TOKEN = re.compile(r"[a-z0-9']+")
_LIST_ITEM = re.compile(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")
_SELF_TALK = re.compile(
    r"^(i (want|love|like|have|had|went|was|am a|am an|live|work|will)\b|i'm (a|an|going|from)\b|i'll\b|my\b|we\b)"
    r"|\bfor me\b",
    re.IGNORECASE,
)
_CLAIM_ABOUT_USER = re.compile(r"^(you're|you are|you were|you have|you've|your)\b", re.IGNORECASE)
_MARKER = re.compile(r"^(?:(?:[-*•]|\d+[.)]|[A-Ea-e][.)])\s+|(?:suggestion|answer|assistant)\s*:\s*)+", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_WHAT_IS_MY = re.compile(
    r"\b(?:what(?:'s| is| are| was| were)|do you (?:know|remember)|which is|when is|where is)\s+"
    r"(?P<thing>my\s+[a-z]+(?:'s\s+[a-z]+| [a-z]+ (?:number|name|day))?)",
    re.IGNORECASE,
)


@dataclass
class ReplyInputs:
    """What the reply may draw on for one turn."""

    user_id: str
    reading: Reading  # the message, read once (``memory.reading``)
    recalled: Sequence[Memory]  # what the recall step found for it
    tool_log: Sequence[dict[str, Any]]
    history: Sequence[dict[str, str]]

    @property
    def message(self) -> str:
        return self.reading.message


class GroundedReplier:
    """Writes replies whose facts about the user come from current memories only."""

    def __init__(
        self,
        store: MemoryStore,
        model: ChatModel,
        reader: ModelReader | EmbeddedReader,
        *,
        max_draft_tokens: int = 60,
        draft_tries: int = 3,
        redraw_budget_s: float = 2.5,
    ):
        self.store = store
        self.model = model
        self.reader = reader
        self.max_draft_tokens = max_draft_tokens
        self.draft_tries = draft_tries
        self.redraw_budget_s = redraw_budget_s  # no new draft starts after this: a slow machine gets the fallback
        self.library = SuggestionLibrary(store.embedder)
        self.library.warm()

    def reply(self, inputs: ReplyInputs) -> Iterator[str]:
        """The reply in pieces, ready to stream."""
        turn = inputs.reading
        stored = personal_memories(self.store, inputs.user_id)
        known = {memory.text for memory in stored}
        personal = [*(m for m in said_now(inputs.user_id, turn) if m.text not in known), *stored]
        name = turn.name or self.known_name(personal)
        said = False
        if turn.social:
            yield from _words(social_line(turn.social, name, more=bool(turn.statements or turn.ask)))
            said = True
        acknowledged = self._acknowledgement(inputs, turn)
        if acknowledged:
            yield from _words(acknowledged, lead_space=said)
            said = True
        if turn.ask is not None or not said:
            yield from self._answer(inputs, turn, personal, lead_space=said)

    # --- parts ---------------------------------------------------------------------------------

    def _acknowledgement(self, inputs: ReplyInputs, turn: Reading) -> str:
        """What was remembered from this turn, in the second person, with what it replaced."""
        outcomes = _tool_outcomes(inputs.tool_log)
        if not outcomes:
            for statement in turn.statements:
                if turn.name and statement.slot is Slot.NAME and _is_introduction(statement.text, turn.name):
                    continue  # "I'm Alice" is greeted, not listed
                candidate = Candidate(text=statement.text[:MAX_STATEMENT_CHARS], kind=statement.kind)
                outcome = decide(self.store, inputs.user_id, candidate, model=self.model)
                replaced = outcome.memory.text if outcome.action in ("supersede", "update") and outcome.memory else ""
                outcomes.append((outcome.action, candidate.text, replaced))
        added = [as_clause(text) for action, text, _ in outcomes if action == "add"]
        changed = [(as_clause(text), as_clause(old)) for action, text, old in outcomes if action != "add" and old]
        known = [as_clause(text) for action, text, old in outcomes if action == "ignore" and not old]
        parts = []
        if turn.name and Act.GREETING not in turn.social:
            parts.append(f"Nice to meet you, {turn.name}!")
        if added:
            parts.append(f"Got it, I'll remember that {join_clauses(added)}.")
        for new, old in changed:
            parts.append(f"Thanks for the update: I'll remember that {new}, instead of that {old}.")
        if known and not added and not changed:
            parts.append(f"I already have that: {join_clauses(known)}.")
        return " ".join(parts)

    def _answer(self, inputs: ReplyInputs, turn: Reading, personal: list[Memory], *, lead_space: bool) -> Iterator[str]:
        ask = turn.ask or Act.CHAT
        question = turn.question or inputs.message
        if ask is Act.CHAT and names_someone_known(question, personal):
            ask = Act.RECALL  # "Which school does Arjun go to?" asks about the user's son, not the world
        if labelled := _tool_entries(inputs.tool_log, "personal_label"):  # a personalized classification
            yield from _words(label_answer(labelled[-1]), lead_space=lead_space)
        elif ask is Act.RECOMMEND and _tool_entries(inputs.tool_log, "recommend"):
            yield from _words(self._picks(inputs, personal), lead_space=lead_space)
        elif ask is Act.RECALL:
            yield from _words(self._recall(inputs, question, turn.focus, personal), lead_space=lead_space)
        elif ask is Act.ABOUT_ME:
            yield from _words(self._about_me(personal, turn.focus), lead_space=lead_space)
        elif ask is Act.FORGET:
            yield from _words(_forgotten(inputs.tool_log), lead_space=lead_space)
        else:
            is_request = ask in (Act.REQUEST, Act.RECOMMEND)
            yield from self._drafted(
                inputs, question, personal, context=turn.context, is_request=is_request, lead_space=lead_space
            )

    def _recall(self, inputs: ReplyInputs, question: str, focus: Slot | None, personal: Sequence[Memory]) -> str:
        """The memories that answer by the question's words, about the user (not someone they told of)."""
        if focus is Slot.NAME and (name := self.known_name(personal)):
            return f"You're {name}."
        hits = self.store.search(inputs.user_id, question, k=8, mode="hybrid", kinds=ANSWER_KINDS)
        recalled = [m for m in inputs.recalled if m.status is MemoryStatus.ACTIVE and m.kind in ANSWER_KINDS]
        memories = list({m.id: m for m in [*(hit.memory for hit in hits), *recalled]}.values())
        if memories:
            vectors = self.store.embedder.encode([question, *(m.text for m in memories)])
            answers = [
                answer
                for answer in answering_memories(question, memories, vectors[0], vectors[1:])
                if not about_someone_else(question, answer.memory.text)
            ]
            if answers:
                return " ".join(as_sentence(answer.memory.text) for answer in answers)
        return unknown_line(question)

    def _about_me(self, personal: Sequence[Memory], focus: Slot | None) -> str:
        """Everything known, or what fills the part of life asked about."""
        if focus is None:
            return about_me(personal, self.known_name(personal))
        current = [m for m in personal if m.status is MemoryStatus.ACTIVE]
        statements = self.reader.classify([m.text for m in current])
        part = [m for m, s in zip(current, statements, strict=True) if s.slot in related_slots(focus)]
        if not part:
            return "I don't know anything about that part of your life yet. Tell me and I'll remember it."
        return "Here's what I know: " + "; ".join(as_clause(m.text) for m in part[:8]) + "."

    def known_name(self, personal: Sequence[Memory]) -> str | None:
        """The name the user gave, from the newest current memory the reader reads as their name."""
        current = [m for m in personal if m.status is MemoryStatus.ACTIVE]
        for memory, statement in zip(current, self.reader.classify([m.text for m in current]), strict=True):
            if statement.slot is Slot.NAME and (name := self_name(memory.text)):
                return name
        return None

    def _picks(self, inputs: ReplyInputs, personal: list[Memory]) -> str:
        entries = _tool_entries(inputs.tool_log, "recommend")
        leads = [lead_clause(m.text) for m in self._relevant(inputs.message, personal)]
        heading = f"Since {join_clauses(leads)}, here are some picks:" if leads else "Here are some picks for you:"
        picks = picks_text(inputs.tool_log, heading)
        if picks:
            return picks
        errors = [entry["error"] for entry in entries if entry.get("error")]
        if errors:
            return f"I couldn't recommend anything right now: {errors[0]}."
        return "I couldn't find anything in the catalog that fits that request."

    def _relevant(self, request: str, personal: list[Memory]) -> list[Memory]:
        """The memories a suggestion should follow and say it follows: needs first, then close ones.

        A need (a diet, a budget, a wheelchair, children) counts for any request, a food one only for
        requests about food or drink; anything else only when it is close to the request.
        """
        current = [m for m in personal if m.status is MemoryStatus.ACTIVE]
        if not current:
            return []
        vectors = self.store.embedder.encode([request, *(m.text for m in current)])
        similarity = vectors[1:] @ vectors[0]
        food = is_food_request(request)
        scored = []
        free_time = not food and _FREE_TIME_REQUEST.search(request) is not None  # "dessert tonight" is about food
        for memory, score in zip(current, similarity, strict=True):
            if is_need(memory.text) and (food or not is_food_need(memory)):
                scored.append((float(score) + NEED_BONUS, memory))
            elif free_time and _FREE_TIME_FACT.search(memory.text) and score + LIKE_BONUS >= LEAD_SIMILARITY:
                scored.append((float(score) + LIKE_BONUS, memory))  # "my day off" ~ "I love hiking"
            elif score >= LEAD_SIMILARITY:
                scored.append((float(score), memory))
        scored.sort(key=lambda pair: pair[0], reverse=True)
        return [memory for _, memory in scored[:MAX_LEAD_FACTS]]

    def _drafted(
        self,
        inputs: ReplyInputs,
        question: str,
        personal: list[Memory],
        *,
        context: Sequence[str] = (),
        is_request: bool,
        lead_space: bool,
    ) -> Iterator[str]:
        """A suggestion for a request, or the model's checked answer for anything else."""
        current = [m for m in personal if m.status is MemoryStatus.ACTIVE]
        replaced = personal_memories(self.store, inputs.user_id, include_superseded=True)
        banned = [w for c in constraints_from(current) for w in c.banned]
        banned += stale_words([m for m in replaced if m.status is MemoryStatus.SUPERSEDED], current)
        user_texts = [m.text for m in personal] + [inputs.message]
        if is_request:
            banned += [w for sentence in context for w in banned_words(sentence)]
            yield from self._suggestion(question, personal, context, banned, user_texts, lead_space=lead_space)
            return
        messages = draft_messages(question, current, inputs.history)
        started = time.perf_counter()
        for attempt in range(self.draft_tries):
            if attempt and time.perf_counter() - started > self.redraw_budget_s:
                break
            pieces = self.model.stream(
                messages, max_tokens=self.max_draft_tokens, stop=["\n\n"], temperature=_temperature(attempt)
            )
            shown = 0
            for sentence in _checked(_sentences(pieces), banned, user_texts):
                yield from _words(sentence, lead_space=lead_space or shown > 0)
                shown += 1
            if shown:
                return
        yield from _words(FALLBACK_CHAT, lead_space=lead_space)

    def _suggestion(
        self,
        request: str,
        personal: list[Memory],
        context: Sequence[str],
        banned: list[str],
        user_texts: list[str],
        *,
        lead_space: bool,
    ) -> Iterator[str]:
        """What the user's facts say first, then the best of the model's draft and the library's ideas.

        The model drafts from the library's nearest examples; the draft and the fitting examples are
        scored against the request and the facts, and the best is said (``agent.suggestions``).
        """
        relevant = self._relevant(request, personal)
        lead = f"Since {join_clauses([lead_clause(m.text) for m in relevant])}, here's an idea:" if relevant else ""
        yield from _words(lead or "Here's an idea:", lead_space=lead_space)
        said = {m.text for m in relevant}  # and what this message says beside the request ("She loves gardening.")
        facts = " ".join([as_sentence(m.text) for m in relevant] + [as_sentence(t) for t in context if t not in said])
        shots = self.library.shots(request, facts, banned)
        prompt = prompts.render(
            "reply_suggestion",
            examples="".join(example.as_shot() for example in shots),
            facts=facts or NOTHING_KNOWN,
            request=request,
        ).rstrip()
        started = time.perf_counter()
        for attempt in range(self.draft_tries):
            if attempt and time.perf_counter() - started > self.redraw_budget_s:
                break
            pieces = self.model.stream_text(
                prompt, max_tokens=self.max_draft_tokens, stop=SUGGESTION_STOPS, temperature=_temperature(attempt)
            )
            draft = " ".join(_checked(_sentences(pieces), banned, user_texts))
            best = self.library.best(request, facts, [draft] if draft else [], banned, shots)
            if best is not None:
                yield from _words(best.text, lead_space=True)
                return
        yield from _words(FALLBACK_REQUEST, lead_space=True)


def _temperature(attempt: int) -> float:
    """Greedy first; a redraw samples, or it would write the same draft again."""
    return 0.0 if attempt == 0 else RETRY_TEMPERATURE


def _checked(sentences: Iterator[str], banned: Sequence[str], user_texts: Sequence[str]) -> Iterator[str]:
    """A draft's sentences up to the first that may not be shown (``problem``), at most MAX_DRAFT_SENTENCES."""
    for count, sentence in enumerate(sentences, start=1):
        if problem(sentence, banned, user_texts):
            return
        yield sentence
        if count == MAX_DRAFT_SENTENCES:
            return


def _sentences(pieces: Iterator[str]) -> Iterator[str]:
    """The sentences of a draft's first line with content, as they complete; a model failure ends the draft.

    Lines that hold only a label or a list marker ("Suggestion:", "1.") are skipped.
    """
    buffer = ""
    try:
        for piece in pieces:
            buffer += piece
            lines = buffer.split("\n")
            while len(lines) > 1 and not _clean(lines[0]):
                lines.pop(0)  # an empty or label-only line: the content starts on the next one
            buffer = "\n".join(lines)
            first, line_done = _MARKER.sub("", lines[0].lstrip()), len(lines) > 1
            parts = _SENTENCE_END.split(first)
            for sentence in parts[:-1]:
                yield _clean(sentence)
            buffer = parts[-1]
            if line_done:
                break
    except RapportError:
        return
    tail = _clean(buffer)
    if tail and tail[-1] in ".!?":  # a sentence cut off by the token limit is not shown
        yield tail


def _clean(sentence: str) -> str:
    """No list markers or labels a pattern-following model may put in front ("- ", "1. ", "Suggestion:")."""
    return _MARKER.sub("", sentence.strip()).strip()


def said_now(user_id: str, turn: Reading) -> list[Memory]:
    """What this message tells about the user, as memories: it is stored after the reply, and counts in it."""
    now = datetime.now(UTC)
    return [
        Memory(
            id=f"this-turn-{i}", user_id=user_id, text=c.text, kind=MemoryKind(c.kind), created_at=now, updated_at=now
        )
        for i, c in enumerate(turn.statements)
    ]


def personal_memories(store: MemoryStore, user_id: str, *, include_superseded: bool = False) -> list[Memory]:
    """What the user said about themselves (not their item interactions), newest first."""
    found = [
        memory
        for kind in PERSONAL_KINDS
        for memory in store.list(user_id, kind=kind, limit=200, include_superseded=include_superseded)
    ]
    return sorted(found, key=lambda m: m.created_at, reverse=True)


_NAME_INSIDE = re.compile(r"(?<=[a-z,] )([A-Z][a-z]+)(?:'s)?\b")
_WORD_TOKEN = re.compile(r"[a-z]+")


def names_someone_known(question: str, personal: Sequence[Memory]) -> bool:
    """Whether the question names a person or pet the user told about ("Arjun" of "My son Arjun is two")."""
    names = set(_NAME_INSIDE.findall(question))
    for memory in personal if names else ():
        words = set(_WORD_TOKEN.findall(memory.text.lower()))
        about_someone = any(word in PEOPLE or word in PARTNERS or word in PETS for word in words)
        if about_someone and any(re.search(rf"\b{name}\b", memory.text) for name in names):
            return True
    return False


def lead_clause(text: str) -> str:
    """A memory as the reason in "Since ...": its cause alone when that is the need.

    "Since you've got a bad knee" (not "..., so running is out for you": the suggestion avoids
    running, the lead need not say it); "since you're a student so you don't have much money" keeps
    the consequence, because there the consequence is the need.
    """
    cause = cause_of(text)
    return as_clause(cause if cause != text and is_need(cause) else text)


def social_line(moves: Sequence[Act], name: str | None, *, more: bool) -> str:
    """A friendly line for the turn's social moves; ``more`` when the turn goes on to say or ask something."""
    to = f" {name}" if name else ""
    lines = {
        Act.GREETING: f"Hi{to}!" if more else f"Hi{to}! Good to see you. What can I do for you today?",
        Act.HOW_ARE_YOU: "I'm doing well, thanks for asking!" + ("" if more else " How can I help you today?"),
        Act.THANKS: f"You're welcome{to}!" + ("" if more else " Happy to help."),
        Act.FAREWELL: f"Thanks, you too{to}! Take care, I'll be here whenever you need me.",
        Act.WHO_ARE_YOU: "I'm Rapport, your personal assistant. I remember what you tell me about yourself "
        "and use it to answer your questions and suggest things that fit you.",
        Act.CAPABILITIES: "I remember what you tell me about yourself, answer questions about it, and suggest "
        "things that fit you: meals, plans, gifts, or films from the catalog. Tell me something about yourself "
        "to start.",
        Act.ACKNOWLEDGEMENT: "Great!" + ("" if more else " Let me know if there's anything else I can help with."),
    }
    ordered = list(dict.fromkeys(moves))
    if Act.GREETING in ordered and Act.HOW_ARE_YOU in ordered:
        ordered.remove(Act.GREETING)
        return f"Hi{to}! " + lines[Act.HOW_ARE_YOU]
    return " ".join(lines[move] for move in ordered)


def about_me(personal: Sequence[Memory], name: str | None) -> str:
    """Everything current, newest first, the user's name up front."""
    current = [m for m in personal if m.status is MemoryStatus.ACTIVE][:8]
    if not current:
        return "I don't know anything about you yet. Tell me a little about yourself and I'll remember it."
    clauses = [as_clause(m.text) for m in current if not (name and _is_introduction(m.text, name))]
    lead = f"You're {name}. " if name else ""
    return f"{lead}Here's what I know about you: " + "; ".join(clauses) + "."


def unknown_line(question: str) -> str:
    """ "I don't know your dog's name yet" when the question names what it asks about."""
    match = _WHAT_IS_MY.search(question.replace("’", "'"))
    thing = "your " + match["thing"].split(" ", 1)[1] if match else "that"
    if match and "name" not in thing and re.search(r"\b(called|named)\b", question, re.IGNORECASE):
        thing += "' names" if thing.endswith("s") else "'s name"  # "What's my dog called?"
    return f"I don't know {thing} yet: you haven't told me. Tell me and I'll remember it."


def _is_introduction(text: str, name: str) -> bool:
    """ "I'm Alice.", "My name is Samir": a short statement that (nearly) only gives this name.

    The name must be the one given: "I'm vegetarian" has the shape of an introduction too.
    """
    return len(text.split()) <= 6 and self_name(text) == name


def echoes(sentence: str, user_texts: Sequence[str]) -> bool:
    """Whether ``sentence`` repeats a first-person phrase of the user's as the assistant's own."""
    said = _TOKEN.findall(sentence.lower().replace("’", "'"))
    said_grams = {tuple(said[i : i + 3]) for i in range(len(said) - 2)}
    for text in user_texts:
        words = _TOKEN.findall(text.lower().replace("’", "'"))
        for i, word in enumerate(words[:-2]):
            if word in _FIRST_PERSON_WORDS and tuple(words[i : i + 3]) in said_grams:
                return True
    return False


def _words(text: str, *, lead_space: bool = False) -> Iterator[str]:
    """Fixed text as stream pieces, one word at a time, so it streams like the model's tokens."""
    for index, word in enumerate(text.split(" ")):
        yield (" " if index or lead_space else "") + word


def _tool_entries(tool_log: Sequence[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [entry for entry in tool_log if entry.get("name") == name]


def _tool_outcomes(tool_log: Sequence[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(action, text, replaced text) of the memory writes tools made this turn."""
    outcomes = []
    for entry in tool_log:
        result = entry.get("result")
        if entry.get("name") in ("remember", "update_preference") and isinstance(result, dict) and result.get("memory"):
            outcomes.append((result["action"], result["memory"], result.get("replaced", "")))
    return outcomes


def _forgotten(tool_log: Sequence[dict[str, Any]]) -> str:
    for entry in _tool_entries(tool_log, "forget_memory"):
        if entry.get("result"):
            return f"Done: I've forgotten that {as_clause(entry['result']['forgotten'])}."
        return "I couldn't find anything like that in what you told me, so there was nothing to forget."
    return "Tell me which memory to forget, for example: forget that I live in Paris."


FALLBACK_REQUEST = "Tell me a bit more about what you have in mind and I'll suggest something that fits you."
FALLBACK_CHAT = (
    "I'm not sure I can help with that one. I'm best at remembering what you tell me and suggesting things "
    "that fit you."
)


def draft_messages(question: str, current: Sequence[Memory], history: Sequence[dict[str, str]]) -> list[Message]:
    """The model's prompt: the user's facts in the second person, the last exchange, the request."""
    facts = [as_sentence(m.text) for m in current[:6]]
    known = prompts.render("reply_facts", facts="\n".join(f"- {f}" for f in facts), avoid="") if facts else ""
    system = prompts.render("reply_draft", facts=known).strip()
    recent = [Message(role=t["role"], content=t["content"]) for t in history[-2:] if t["role"] in ("user", "assistant")]
    return [Message(role="system", content=system), *recent, Message(role="user", content=question)]


def problem(sentence: str, banned: Sequence[str], user_texts: Sequence[str]) -> str | None:
    """Why a drafted sentence may not be shown, or None."""
    if len(re.findall(r"[A-Za-z]{2,}", sentence)) < 2:
        return "not a sentence"
    if NON_ANSWER.search(sentence):
        return "a non-answer"
    if found := violations(sentence, banned):
        return f"goes against what the user said ({', '.join(found)})"
    if echoes(sentence, user_texts):
        return "repeats the user's words as the assistant's"
    if _SELF_TALK.search(sentence):
        return "talks about the assistant as if it had a life"
    if _CLAIM_ABOUT_USER.search(sentence):
        return "states something about the user that no memory says"
    words = _TOKEN.findall(sentence.lower())
    grams = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
    if len(set(grams)) < len(grams) or (len(words) >= 8 and len(set(words)) < len(words) / 2):
        return "repeats itself"
    if any(a == b for a, b in zip(words, words[1:], strict=False)):  # "a nice, sturdy, sturdy chair"
        return "repeats a word"
    items = [_TOKEN.findall(item.lower())[-1:] for item in _LIST_ITEM.split(sentence)]
    heads = [item[0] for item in items if item]
    if len(heads) >= 3 and len(set(heads)) < len(heads):  # "a raincoat, a good hat, a hat, a raincoat"
        return "lists the same thing twice"
    return None
