"""Keep a profile from bringing back a replaced or deleted fact.

A profile summary is written from memories; when one of them is superseded ("I'm a teacher" by "I
quit teaching and now I work as a carpenter") or deleted, the summary still says it until it is
rebuilt, and an incremental rebuild even feeds the old summary back to the model. So before a
profile is used, the parts that rest on removed memories are dropped, without calling a model:
- for a superseded memory, every clause (and list entry) that names one of its distinctive words
  ("teacher", "Paris") that no other current memory backs; its replacement does not count as
  backing, since "I quit teaching" mentions what ended;
- for a deleted memory, whose text is gone, every clause the current memories do not back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .claims import stem
from .errors import NotFoundError
from .grounding import content_stems, extractive_summary, grounded, keep_clauses, supported_items
from .lexicon import GENERIC_FACT_WORDS
from .records import Memory, MemoryStatus

if TYPE_CHECKING:
    from .profile import Profile
    from .store import MemoryStore

GENERIC = frozenset(stem(word) for word in GENERIC_FACT_WORDS)  # "lives", "works" stay true of the user


def removed_sources(profile: Profile, active: list[Memory]) -> list[str]:
    """Ids the profile was built from that are no longer active memories."""
    current = {m.id for m in active}
    return [memory_id for memory_id in profile.built_from if memory_id not in current]


def without_removed(profile: Profile, store: MemoryStore, active: list[Memory]) -> Profile | None:
    """``profile`` with what rests on removed memories dropped; ``None`` when nothing was removed."""
    removed = removed_sources(profile, active)
    if not removed:
        return None
    replaced, deleted = [], False
    for memory_id in removed:
        try:
            replaced.append(store.get(profile.user_id, memory_id))
        except NotFoundError:
            deleted = True
    texts = [m.text for m in active]
    summary = drop_replaced(profile.summary, replaced, active)
    if deleted:
        summary = grounded(summary, active)
    if not summary.strip():
        summary = extractive_summary(texts)
    fields = {
        name: _still_backed(name, getattr(profile, name), replaced, active, deleted)
        for name in ("interests", "dislikes", "facts")
    }
    built_from = {memory_id: stamp for memory_id, stamp in profile.built_from.items() if memory_id not in removed}
    return profile.model_copy(
        update={"summary": summary, "built_from": built_from, "memory_count": len(active), **fields}
    )


def drop_replaced(text: str, replaced: list[Memory], active: list[Memory]) -> str:
    """The clauses of ``text`` that do not state a replaced fact.

    A clause states one when it names a word only the replaced memory used ("teacher") and nothing
    new its replacement said ("carpenter"): "moved from Paris to Berlin" stays, "lives in Paris" goes.
    """
    marks = stale_marks(replaced, active)
    if not marks:
        return text

    def current(clauses: list[str]) -> list[bool]:
        stems = [_stems(clause) for clause in clauses]
        return [not any(stale & words and not novel & words for stale, novel in marks) for words in stems]

    return keep_clauses(text, current)


def stale_marks(replaced: list[Memory], active: list[Memory]) -> list[tuple[set[str], set[str]]]:
    """Per superseded memory: the stems only it used (no current memory but its replacement backs them),
    and the stems its replacement added."""
    superseded = [m for m in replaced if m.status is MemoryStatus.SUPERSEDED]
    by_id = {m.id: m for m in active}
    replacements = {m.superseded_by for m in superseded}
    backing = set().union(*(_stems(m.text) for m in active if m.id not in replacements))
    marks = []
    for memory in superseded:
        old = _stems(memory.text)
        stale = old - backing
        replacement = by_id.get(memory.superseded_by or "")
        novel = (_stems(replacement.text) - old) if replacement else set()
        if stale:
            marks.append((stale, novel))
    return marks


def _still_backed(
    name: str, items: list[str], replaced: list[Memory], active: list[Memory], deleted: bool
) -> list[str]:
    """The ``items`` of one field that state no replaced fact and, after a deletion, a current memory supports."""
    kept = [item for item in items if drop_replaced(item, replaced, active)]
    if not deleted:
        return kept
    texts = [m.text for m in active]
    backed = supported_items(kept, texts, against=name == "dislikes")
    return [item for item, ok in zip(kept, backed, strict=True) if item in texts or ok]


def _stems(text: str) -> set[str]:
    return content_stems(text) - GENERIC
