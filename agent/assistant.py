"""``Assistant``: the Python API of Rapport. One object per process; every call names its user."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import tools.memory_tools  # noqa: F401  (registers the memory tools)
import tools.personal_label  # noqa: F401  (registers the personal_label tool: cfrag for a chat)
import tools.profile_vote  # noqa: F401  (registers the profile_vote tool)
import tools.recommend_tools  # noqa: F401  (registers the catalog tools)
from agent.backup import replay_restores
from agent.conversations import ThreadSummary, Turn, list_threads, thread_turns
from agent.graph import AgentDeps, build_graph, turn_input
from agent.imports import import_records, replay_imports
from agent.llm import get_chat_model
from agent.llm.base import ChatModel
from agent.memory_versions import MemoryVersions
from agent.model_reader import ModelReader
from agent.outbox import OUTBOX_FILE, Outbox
from agent.settings import Settings
from agent.threads import DEFAULT_THREAD, delete_threads, open_checkpointer, thread_key
from agent.turn_locks import TurnLocks
from agent.types import Reply, StreamEvent
from agent.writer import MemoryWriter
from memory import Memory, MemoryStore
from memory.errors import InvalidInputError, RapportError
from memory.extraction import MIN_MEMORY_CHARS, Candidate, kind_of, reconcile
from memory.lineage import lineage
from memory.ownership import claim
from memory.profile import Profile, ProfileBuilder
from memory.reading.reader import EmbeddedReader
from memory.records import MemoryKind, MemoryStatus, check_identifier, check_kind, check_text, check_user_id
from tools.catalog import Catalog
from tools.interactions import MAX_RATING, Action, Interaction
from tools.recommend import Recommendation, Recommender, default_knn_path
from tools.retrieval import Filters


class Assistant:
    """Chat with memory: recall before answering, remember after, per user and per thread."""

    def __init__(
        self, settings: Settings, store: MemoryStore, model: ChatModel, recommender: Recommender | None = None
    ) -> None:
        self.settings = settings
        self.store = store
        self.model = model
        self.recommender = recommender
        self.profiles = ProfileBuilder(store, model)
        self._claim = claim(settings.data_dir)  # one process owns a data dir: its store, outbox and threads
        self.outbox = Outbox(settings.data_dir.expanduser() / OUTBOX_FILE)
        self.writer = MemoryWriter(store, model, self.profiles, self.outbox)
        self.deps = AgentDeps(
            store=store,
            model=model,
            profiles=self.profiles,
            writer=self.writer,
            reader=ModelReader(model, EmbeddedReader(store.embedder)),
            recommender=recommender,
        )
        self.checkpointer = open_checkpointer(settings.data_dir.expanduser(), settings.database_url)
        self.graph = build_graph(self.deps, self.checkpointer)
        self._turn_locks = TurnLocks()
        replay_restores(self)  # what a killed process acknowledged is finished before anything new
        replay_imports(store, self.outbox)
        self.writer.replay()

    @classmethod
    def open(
        cls, settings: Settings | None = None, *, chat_model: ChatModel | None = None, store: MemoryStore | None = None
    ) -> Assistant:
        """Open with settings from the environment (``RAPPORT_*``) unless given; nothing heavy loads yet."""
        settings = settings or Settings()
        location = {"url": settings.chroma_url} if settings.chroma_url else {"path": settings.chroma_path}
        if store is None:
            # Replicas over one Chroma server see each other's writes at once through a counter in Postgres.
            shared = settings.chroma_url and settings.database_url
            changes = MemoryVersions.open(settings.database_url) if shared else None
            store = MemoryStore(**location, changes=changes)
        model = chat_model or get_chat_model(settings)
        catalog = Catalog(**location, embedder=store.embedder)  # read on first use; may still be empty
        recommender = Recommender(store, catalog, knn_path=default_knn_path(settings), chat_model=model)
        return cls(settings, store, model, recommender)

    # --- conversation --------------------------------------------------------------------------

    def chat(self, user_id: str, message: str, *, thread_id: str | None = None) -> Reply:
        """One turn: the whole reply, with what was recalled, the tools called and timings."""
        reply = None
        for event in self.stream(user_id, message, thread_id=thread_id):
            if event.type == "done":
                reply = event.reply
        assert reply is not None  # stream always ends with "done" or raises
        return reply

    def stream(self, user_id: str, message: str, *, thread_id: str | None = None) -> Iterator[StreamEvent]:
        """One turn as events: ``recalled``, ``tool`` per call, ``token`` per piece, then ``done``."""
        user_id = check_user_id(user_id)
        message = check_text(message, "message")
        thread_id = check_identifier(thread_id or DEFAULT_THREAD, "thread_id")
        key = thread_key(user_id, thread_id)
        config = {"configurable": {"thread_id": key}}
        start = time.perf_counter()
        final: dict[str, Any] = {}
        first_token_s: float | None = None
        with self._turn_locks.hold(key):
            for mode, chunk in self.graph.stream(
                turn_input(user_id, thread_id, message), config, stream_mode=["custom", "values"]
            ):
                if mode == "values":
                    final = chunk
                elif "recalled" in chunk:
                    yield StreamEvent(type="recalled", memories=_memories(chunk["recalled"]))
                elif "token" in chunk:
                    if first_token_s is None:  # what a person waits for before the reply starts
                        first_token_s = time.perf_counter() - start
                    yield StreamEvent(type="token", text=chunk["token"])
                elif "tool" in chunk:
                    yield StreamEvent(type="tool", tool=chunk["tool"])
        if final.get("user_id") != user_id:
            raise RapportError("thread state does not belong to this user; refusing to answer from it")
        timings = {**final.get("timings", {}), "total_s": time.perf_counter() - start}
        if first_token_s is not None:
            timings["first_token_s"] = first_token_s
        reply = Reply(
            text=final.get("reply", ""),
            thread_id=thread_id,
            recalled=_memories(final.get("recalled", [])),
            tool_calls=final.get("tool_log", []),
            timings={name: round(seconds, 4) for name, seconds in timings.items()},
        )
        yield StreamEvent(type="done", text=reply.text, reply=reply)

    def history(self, user_id: str, *, thread_id: str | None = None) -> list[dict[str, str]]:
        """The thread's messages so far (role and content)."""
        thread_id = check_identifier(thread_id or DEFAULT_THREAD, "thread_id")
        config = {"configurable": {"thread_id": thread_key(check_user_id(user_id), thread_id)}}
        return list(self.graph.get_state(config).values.get("history", []))

    def threads(self, user_id: str) -> list[ThreadSummary]:
        """The user's conversations, most recently used first."""
        return list_threads(self.graph, self.checkpointer, user_id)

    def turns(self, user_id: str, *, thread_id: str | None = None) -> list[Turn]:
        """A thread's finished turns with the memories each reply recalled and the tools it called."""
        return thread_turns(self.graph, user_id, thread_id or DEFAULT_THREAD)

    # --- memory --------------------------------------------------------------------------------

    def remember(self, user_id: str, text: str) -> Memory:
        """Store a statement now (reconciled: a changed preference supersedes the old one).

        Returns the record of this text: a new one, or the stored one with the same text (case,
        spacing and a final stop aside); never another text that is merely close.
        """
        user_id = check_user_id(user_id)
        text = check_text(text).strip()
        if len(text) < MIN_MEMORY_CHARS:
            raise InvalidInputError("text", f"is shorter than {MIN_MEMORY_CHARS} characters", "say a little more")
        candidate = Candidate(text=text, kind=kind_of(self.store.embedder, text))
        outcome = reconcile(self.store, user_id, candidate, model=self.model, source="api", identical_only=True)
        assert outcome.memory is not None
        return outcome.memory

    def memories(
        self,
        user_id: str,
        query: str | None = None,
        *,
        k: int = 10,
        kind: MemoryKind | str | None = None,
        status: str = "current",
    ) -> list[Memory]:
        """The user's memories: the best matches for ``query`` (hybrid search), or the newest ``k``.

        ``status``: ``current`` (what is true now), ``replaced`` (superseded versions) or ``all``.
        """
        if status not in MEMORY_STATUSES:
            raise InvalidInputError("status", f"unknown status {status!r}", f"use one of: {', '.join(MEMORY_STATUSES)}")
        kind = check_kind(kind) if kind is not None else None
        keep_old = status != "current"
        if query is None:
            limit = k if not keep_old else 10**6
            found = self.store.list(user_id, kind=kind, include_superseded=keep_old, limit=limit)
        else:
            kinds = [kind] if kind is not None else None
            depth = k if not keep_old else min(10 * k, 1000)
            hits = self.store.search(user_id, query, k=depth, kinds=kinds, include_superseded=keep_old)
            found = [hit.memory for hit in hits]
        if status == "replaced":
            found = [m for m in found if m.status is MemoryStatus.SUPERSEDED]
        return found[:k]

    def memory_lineage(self, user_id: str, memory_id: str) -> list[Memory]:
        """The versions of one memory, oldest first: what it replaced and what replaced it."""
        return lineage(self.store, user_id, self.store.get(user_id, memory_id))

    def edit_memory(self, user_id: str, memory_id: str, text: str) -> Memory:
        """Correct the text of a current memory (the person knows best; no reconciliation)."""
        text = check_text(text).strip()
        if len(text) < MIN_MEMORY_CHARS:
            raise InvalidInputError("text", f"is shorter than {MIN_MEMORY_CHARS} characters", "say a little more")
        self.writer.wait_for(user_id)  # a turn still being written must not overwrite the correction
        with self.store.writing(user_id):  # no reconcile replaces it between the check and the edit
            memory = self.store.get(user_id, memory_id)
            if memory.status is MemoryStatus.SUPERSEDED:
                raise InvalidInputError(
                    "memory_id", f"{memory_id!r} was replaced by {memory.superseded_by!r}", "edit the current version"
                )
            return self.store.update(user_id, memory_id, text=text)

    def users(self) -> list[str]:
        """Ids of the users this assistant holds memories for."""
        return self.store.users()

    def forget_memory(self, user_id: str, memory_id: str) -> None:
        with self.store.writing(user_id):  # not between a reconcile's decision and its write
            self.store.delete(user_id, memory_id)

    def profile(self, user_id: str, *, task: str | None = None, refresh: bool = False) -> Profile:
        """The user's profile, rebuilt when enough changed; ``NotFoundError`` if nothing is known."""
        self.writer.wait_for(user_id)
        return self.profiles.get(user_id, task=task, refresh=refresh)

    def forget(self, user_id: str) -> int:
        """Remove every trace of the user (memories, profile, threads); returns the memories removed."""
        user_id = check_user_id(user_id)
        self.writer.wait_for(user_id, timeout=None)  # a write still running must not outlive the forget
        # A backup sees all of it or none of it; a concurrent ``remember`` lands wholly before or after it.
        with self._turn_locks.hold(f"forget:{user_id}"), self.store.writing(user_id):
            self.outbox.discard_user(user_id)  # an unfinished turn must not bring anything back
            removed = self.store.forget(user_id)
            delete_threads(self.checkpointer, user_id)
        return removed

    def import_memories(self, user_id: str, records: str | Iterable[Any]) -> int:
        """Load exported records (ids kept), all or nothing even if the process is killed half-way."""
        return import_records(self.store, self.outbox, user_id, records)

    def recommend(
        self, user_id: str, *, query: str | None = None, k: int = 10, filters: Filters | dict[str, Any] | None = None
    ) -> list[Recommendation]:
        """Catalog items for the user, each with a reason drawn from their own memories (never already rated)."""
        if self.recommender is None:
            raise RapportError("no item catalog is configured for this assistant")
        self.writer.wait_for(user_id)  # a preference stated in the last turn counts
        return self.recommender.recommend(user_id, query=query, k=k, filters=filters)

    def record_interaction(
        self, user_id: str, item_id: str, action: Action | str, *, rating: float | None = None
    ) -> Interaction:
        """Remember that the user liked, disliked, rated or viewed a catalog item (counts in the next ranking)."""
        if self.recommender is None:
            raise RapportError("no item catalog is configured for this assistant")
        try:
            action = Action(action)
        except ValueError:
            allowed = ", ".join(a.value for a in Action)
            raise InvalidInputError("action", f"unknown action {action!r}", f"use one of: {allowed}") from None
        if rating is not None and not 0 <= rating <= MAX_RATING:
            raise InvalidInputError("rating", f"{rating} is outside 0-{MAX_RATING:g}")
        if action is Action.RATED and rating is None:
            raise InvalidInputError("rating", "is required for action 'rated'", "send a rating from 0 to 5")
        interaction = Interaction(item_id=check_identifier(item_id, "item_id"), action=action, rating=rating)
        self.recommender.record(check_user_id(user_id), [interaction])  # counts towards a background refit
        return interaction

    # --- lifecycle -----------------------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> None:
        """Wait until the memories of past turns are written."""
        self.writer.flush(timeout)

    @contextmanager
    def quiesced(self) -> Iterator[None]:
        """No turn runs and no memory is written inside the block: what a consistent backup reads."""
        with self._turn_locks.quiet(), self.writer.paused():
            yield

    def close(self) -> None:
        """Finish writing past turns' memories, close the stores and give up the data dir."""
        self.writer.close()
        self.checkpointer.conn.close()  # SQLite's connection or the Postgres pool
        self.store.close()
        if self.recommender is not None:
            self.recommender.catalog.close()
        if close_model := getattr(self.model, "close", None):
            close_model()
        self._claim.release()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


MEMORY_STATUSES = ("current", "replaced", "all")


def _memories(dumped: list[dict[str, Any]]) -> list[Memory]:
    return [Memory.model_validate(item) for item in dumped]
