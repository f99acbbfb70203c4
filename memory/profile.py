"""Per-user profiles: structured fields plus a short summary, built from the user's memories by the model.

A profile is stored with the user's data (``MemoryStore.save_profile``; ``forget`` removes it) and
refreshed incrementally: once ``REFRESH_AFTER`` memories changed since it was built, the model gets
the previous summary and only what changed. A task-aware variant (``task=...``) is written for a
task (the LaMP evals) and cached under its own key.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from prompts import render

from .errors import NotFoundError, RapportError
from .profile_staleness import drop_replaced, without_removed
from .records import Memory, MemoryKind, utc_now
from .store import MemoryStore

if TYPE_CHECKING:
    from agent.llm.base import ChatModel

log = logging.getLogger(__name__)

REFRESH_AFTER = 3  # changed memories before the summary is rewritten
MAX_MEMORIES_IN_PROMPT = 40
NEGATIVE = re.compile(r"\b(hate|dislike|don't like|do not like|can't stand|cannot stand|avoid|allergic|never)\b", re.I)


class ProfileFields(BaseModel):
    """What a capable model fills in as JSON."""

    interests: list[str] = Field(default_factory=list, max_length=20)
    dislikes: list[str] = Field(default_factory=list, max_length=20)
    facts: list[str] = Field(default_factory=list, max_length=30)
    style: str | None = None


class Profile(ProfileFields):
    user_id: str
    summary: str
    task: str | None = None
    updated_at: datetime
    memory_count: int = Field(description="Active memories the profile was built from.")
    built_from: dict[str, str] = Field(default_factory=dict, description="memory id -> updated_at it was built from")


class ProfileBuilder:
    """Builds, caches and refreshes profiles for one store and chat model."""

    def __init__(self, store: MemoryStore, model: ChatModel) -> None:
        self.store = store
        self.model = model

    def get(self, user_id: str, *, task: str | None = None, refresh: bool = False) -> Profile:
        """The user's profile, rebuilt when stale; ``NotFoundError`` for a user with no memories."""
        memories = self.store.list(user_id, limit=10**6)
        if not memories:
            raise NotFoundError("user_id", user_id)
        key = profile_key(task)
        cached = self._without_removed(user_id, key, self._load(user_id, key), memories)
        if cached is not None and not refresh and len(changed_since(cached, memories)) < REFRESH_AFTER:
            return cached
        profile = self.build(user_id, memories, task=task, previous=None if refresh else cached)
        self.store.save_profile(user_id, key, profile.model_dump_json(), profile.summary)
        return profile

    def refresh_if_stale(self, user_id: str) -> Profile | None:
        """Rebuild the default profile once ``REFRESH_AFTER`` memories changed (the first one too)."""
        memories = self.store.list(user_id, limit=10**6)
        cached = self._without_removed(user_id, profile_key(None), self._load(user_id, profile_key(None)), memories)
        if len(changed_since(cached, memories)) < REFRESH_AFTER:
            return None
        return self.get(user_id)

    def current(self, user_id: str) -> Profile | None:
        """The stored default profile, less what rests on replaced or deleted memories; no model call.

        What a reply reads: a profile never brings back a fact the user replaced or removed.
        """
        memories = self.store.list(user_id, limit=10**6)
        return self._without_removed(user_id, profile_key(None), self._load(user_id, profile_key(None)), memories)

    def _without_removed(
        self, user_id: str, key: str, cached: Profile | None, memories: list[Memory]
    ) -> Profile | None:
        """``cached`` with stale parts dropped, saved so that the next read is quick."""
        cleaned = without_removed(cached, self.store, memories) if cached is not None else None
        if cleaned is None:
            return cached
        if cleaned.summary:
            self.store.save_profile(user_id, key, cleaned.model_dump_json(), cleaned.summary)
        return cleaned

    def build(
        self, user_id: str, memories: list[Memory], *, task: str | None = None, previous: Profile | None = None
    ) -> Profile:
        """A fresh profile; with ``previous``, the model only reads what changed since."""
        shown = changed_since(previous, memories) if previous else memories
        shown = shown[:MAX_MEMORIES_IN_PROMPT]
        fields = self._fields(memories)
        summary = self._summary(shown, previous.summary if previous else "", task)
        replaced = [m for m in self.store.list(user_id, include_superseded=True, limit=10**6) if m.superseded_by]
        if replaced:  # the model may restate what the new memory says ended ("I quit teaching" -> "a teacher")
            summary = drop_replaced(summary, replaced, memories) or bullet_summary(memories)
            fields = ProfileFields(**{
                name: [item for item in getattr(fields, name) if drop_replaced(item, replaced, memories)]
                for name in ("interests", "dislikes", "facts")
            }, style=fields.style)
        return Profile(
            user_id=user_id,
            summary=summary,
            task=task,
            updated_at=utc_now(),
            memory_count=len(memories),
            built_from={m.id: m.updated_at.isoformat() for m in memories},
            **fields.model_dump(),
        )

    def _fields(self, memories: list[Memory]) -> ProfileFields:
        if getattr(self.model, "supports_tools", False):
            from agent.llm.base import Message

            prompt = render("profile_fields", memories=bullet_list(memories[:MAX_MEMORIES_IN_PROMPT]))
            try:
                return self.model.complete_json([Message(role="user", content=prompt)], ProfileFields)
            except RapportError as error:
                log.warning("profile fields fell back to memory kinds: %s", error)
        return fields_from_kinds(memories)

    def _summary(self, memories: list[Memory], previous: str, task: str | None) -> str:
        return write_summary(self.model, [m.text for m in memories], previous=previous, task=task)

    def _load(self, user_id: str, key: str) -> Profile | None:
        payload = self.store.load_profile(user_id, key)
        return Profile.model_validate_json(payload) if payload else None


CLAUSE = re.compile(r"(?<=[.;!?])\s+|,\s+|\s+and\s+")
WORD = re.compile(r"[a-zA-Z\u00C0-\u024F]{4,}")
UNGROUNDED_WORDS = frozenset({"this", "that", "with", "from", "they", "their", "person", "user", "likes", "enjoys"})


@dataclass(frozen=True)
class SummaryPrompt:
    """One way of asking for a profile summary.

    Why several: which summary helps depends on what it is for, so an eval compares candidate
    prompts by the accuracy the summary gives downstream and keeps the best per task (LettinGo).
    ``lead`` starts the summary (it steers a base model and stays in the text); only what the model
    writes after it has to be backed by the notes. The template gets ``notes``/``memories``,
    ``previous``, ``task`` and ``lead``, plus ``values``.
    """

    name: str = "default"
    template: str = "profile_summary"
    lead: str = ""
    max_tokens: int = 120
    stop: tuple[str, ...] = ("\n\n", "###", "Notes:")
    values: tuple[tuple[str, str], ...] = ()


DEFAULT_SUMMARY_PROMPT = SummaryPrompt()


def write_summary(
    model: ChatModel,
    notes: list[str],
    *,
    previous: str = "",
    task: str | None = None,
    prompt: SummaryPrompt = DEFAULT_SUMMARY_PROMPT,
    fall_back_to_notes: bool = True,
) -> str:
    """The one profile summarizer (the product's profiles and the LaMP ``summary`` strategy): grounded in ``notes``.

    When nothing the model wrote is backed by the notes, the product says what the notes say; a caller
    that already shows the notes (``fall_back_to_notes=False``) gets "" instead.
    """
    listed = "\n".join(f"- {note}" for note in notes)
    text = render(
        prompt.template,
        task=f"The summary will be used for this task: {task}\n" if task else "",
        previous=previous or "(none yet)",
        memories=listed or "(nothing new)",
        notes=listed or "(nothing new)",
        lead=prompt.lead,
        **dict(prompt.values),
    )
    if getattr(model, "supports_tools", False):
        from agent.llm.base import Message

        written = model.complete([Message(role="user", content=text)], max_tokens=prompt.max_tokens + 40)
        written = written.strip().removeprefix(prompt.lead).strip()
    else:  # a base model continues the few-shot pattern
        written = model.generate(text, max_tokens=prompt.max_tokens, stop=list(prompt.stop)).strip()
    summary = grounded_in(written, notes, previous)
    if summary and prompt.lead:
        summary = f"{prompt.lead} {summary}"
    if not summary and not fall_back_to_notes:
        return ""
    if not summary:  # nothing the model wrote is backed by the notes: say what the notes say
        summary = "; ".join(note.rstrip(".") for note in notes[:5]) or previous
    if not summary:
        raise RapportError("the chat model wrote no usable profile summary; try again or use another model")
    return summary


def grounded(summary: str, memories: list[Memory], previous: str = "") -> str:
    """``grounded_in`` for memory records."""
    return grounded_in(summary, [m.text for m in memories], previous)


def grounded_in(summary: str, notes: list[str], previous: str = "") -> str:
    """Keep only the clauses of a summary that the notes back up.

    A small base model copies its few-shot example ("plays the saxophone") into a summary; a clause
    stays only if at least half of its content words (compared on their first four letters) occur in
    the notes or the previous summary.
    """
    known = {word[:4].casefold() for text in [previous, *notes] for word in WORD.findall(text)}
    kept = []
    for clause in CLAUSE.split(summary):
        words = [w[:4].casefold() for w in WORD.findall(clause) if w.casefold() not in UNGROUNDED_WORDS]
        if clause.strip() and (not words or sum(w in known for w in words) * 2 >= len(words)):
            kept.append(clause.strip().rstrip(".,;"))
    return ", ".join(kept) + "." if kept else ""


def profile_key(task: str | None) -> str:
    return "default" if not task else "task-" + hashlib.sha256(task.encode("utf-8")).hexdigest()[:16]


def changed_since(profile: Profile | None, memories: list[Memory]) -> list[Memory]:
    """Memories added or edited since the profile was built, plus a marker count for deleted ones."""
    if profile is None:
        return memories
    current = {m.id for m in memories}
    changed = [m for m in memories if profile.built_from.get(m.id) != m.updated_at.isoformat()]
    removed = [memory_id for memory_id in profile.built_from if memory_id not in current]
    return changed + [_removed_marker(memory_id, profile.user_id) for memory_id in removed]


def _removed_marker(memory_id: str, user_id: str) -> Memory:
    now = utc_now()
    return Memory(id=memory_id, user_id=user_id, text="(a memory was removed)", created_at=now, updated_at=now)


def fields_from_kinds(memories: list[Memory]) -> ProfileFields:
    """Structured fields without a model: preferences split by negative words, the rest as facts."""
    interests, dislikes, facts = [], [], []
    for memory in memories:
        if memory.kind is MemoryKind.PREFERENCE:
            (dislikes if NEGATIVE.search(memory.text) else interests).append(memory.text)
        elif memory.kind in (MemoryKind.FACT, MemoryKind.EVENT):
            facts.append(memory.text)
    return ProfileFields(interests=interests[:20], dislikes=dislikes[:20], facts=facts[:30])


def bullet_summary(memories: list[Memory]) -> str:
    """The summary without a model: the newest few memories as written."""
    return "; ".join(m.text.rstrip(".") for m in memories[:5]) + "."


def bullet_list(memories: list[Memory]) -> str:
    return "\n".join(f"- {m.text}" for m in memories)
