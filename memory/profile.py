"""Per-user profiles: structured fields plus a short summary, built from the user's memories by the model.

A profile is stored with the user's data (``MemoryStore.save_profile``; ``forget`` removes it) and
refreshed incrementally: once ``REFRESH_AFTER`` memories changed since it was built, the model gets
the previous summary and only what changed. A task-aware variant (``task=...``) is written for a
task (the LaMP evals) and cached under its own key.

Whatever the model writes, a profile holds only what the user's current memories support
(``memory.grounding``): each clause of the summary and each item of the fields is checked against
them, and a summary with nothing left quotes the memories instead. A profile stored before that
check (``checked`` below ``SUPPORT_CHECK``) is checked once when it is next read.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from prompts import render

from .errors import NotFoundError, RapportError
from .grounding import extractive_summary, grounded_in, supported_items
from .profile_staleness import drop_replaced, without_removed
from .records import Memory, MemoryKind, utc_now
from .store import MemoryStore

if TYPE_CHECKING:
    from agent.llm.base import ChatModel

log = logging.getLogger(__name__)

REFRESH_AFTER = 3  # changed memories before the summary is rewritten
MAX_MEMORIES_IN_PROMPT = 40
SUPPORT_CHECK = 1  # version of the support check a stored profile passed; an older one is checked on load
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
    checked: int = Field(0, description="Version of the support check (memory.grounding) the profile passed.")


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
        """``cached`` with stale or unsupported parts dropped, saved so that the next read is quick."""
        if cached is not None and cached.checked < SUPPORT_CHECK:  # stored before the support check
            cached = supported_profile(cached, memories)
            self.store.save_profile(user_id, key, cached.model_dump_json(), cached.summary)
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
        summary = write_summary(
            self.model,
            [m.text for m in shown],
            previous=previous.summary if previous else "",
            task=task,
            evidence=[m.text for m in memories],
        )
        replaced = [m for m in self.store.list(user_id, include_superseded=True, limit=10**6) if m.superseded_by]
        if replaced:  # the model may restate what the new memory says ended ("I quit teaching" -> "a teacher")
            summary = drop_replaced(summary, replaced, memories) or extractive_summary([m.text for m in memories])
            fields = ProfileFields(
                **{
                    name: [item for item in getattr(fields, name) if drop_replaced(item, replaced, memories)]
                    for name in ("interests", "dislikes", "facts")
                },
                style=fields.style,
            )
        return Profile(
            user_id=user_id,
            summary=summary,
            task=task,
            updated_at=utc_now(),
            memory_count=len(memories),
            built_from={m.id: m.updated_at.isoformat() for m in memories},
            checked=SUPPORT_CHECK,
            **fields.model_dump(),
        )

    def _fields(self, memories: list[Memory]) -> ProfileFields:
        """The model's fields, less what no memory supports; the memories by kind when it fails or nothing is left."""
        if getattr(self.model, "supports_tools", False):
            from agent.llm.base import Message

            prompt = render("profile_fields", memories=bullet_list(memories[:MAX_MEMORIES_IN_PROMPT]))
            try:
                fields = supported_fields(
                    self.model.complete_json([Message(role="user", content=prompt)], ProfileFields), memories
                )
                if fields.interests or fields.dislikes or fields.facts:
                    return fields
                log.warning("no profile field the model wrote is supported by a memory; using the memories by kind")
            except RapportError as error:
                log.warning("profile fields fell back to memory kinds: %s", error)
        return fields_from_kinds(memories)

    def _load(self, user_id: str, key: str) -> Profile | None:
        payload = self.store.load_profile(user_id, key)
        return Profile.model_validate_json(payload) if payload else None


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
    evidence: Sequence[str] | None = None,
) -> str:
    """The one profile summarizer (the product's profiles and the LaMP ``summary`` strategy).

    The model reads ``notes`` (and ``previous``); what it writes keeps only the clauses one of
    ``evidence`` (default: the notes; for a profile, all current memories) supports, never the
    previous summary, so that nothing unsupported outlives a rebuild. When nothing is left, the
    summary quotes the evidence; a caller that already shows the notes (``fall_back_to_notes=False``)
    gets "" instead.
    """
    support = list(notes if evidence is None else evidence)
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
    summary = grounded_in(written, support)
    if summary and prompt.lead:
        summary = f"{prompt.lead} {summary}"
    if not summary and not fall_back_to_notes:
        return ""
    if not summary:  # nothing the model wrote is supported: say what the memories say
        summary = extractive_summary(support)
    if not summary:
        raise RapportError("the chat model wrote no usable profile summary; try again or use another model")
    return summary


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


def supported_fields(fields: ProfileFields, memories: list[Memory]) -> ProfileFields:
    """``fields`` with every item (and the style) that no single memory supports dropped."""
    texts = [m.text for m in memories]

    def kept(items: list[str], *, against: bool = False) -> list[str]:
        return [item for item, ok in zip(items, supported_items(items, texts, against=against), strict=True) if ok]

    return ProfileFields(
        interests=kept(fields.interests),
        dislikes=kept(fields.dislikes, against=True),
        facts=kept(fields.facts),
        style=next(iter(kept([fields.style] if fields.style else [])), None),
    )


def supported_profile(profile: Profile, memories: list[Memory]) -> Profile:
    """A stored ``profile`` checked against the current memories, as a fresh build would be."""
    texts = [m.text for m in memories]
    summary = grounded_in(profile.summary, texts) or extractive_summary(texts)
    fields = supported_fields(profile, memories)
    return profile.model_copy(update={"summary": summary, "checked": SUPPORT_CHECK, **fields.model_dump()})


def bullet_list(memories: list[Memory]) -> str:
    return "\n".join(f"- {m.text}" for m in memories)
