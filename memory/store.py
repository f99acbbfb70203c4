"""Per-user memory over Chroma: embedded on disk, or a Chroma server, with the same behaviour.

Each user gets a collection of their own, named by a hash of the user id. There is therefore no
query path that could reach another user's records: every call resolves the caller's collection
first, and every record read back is checked to carry the caller's user id.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
from chromadb.api.models.Collection import Collection
from chromadb.errors import NotFoundError as ChromaNotFoundError

from .chroma import connect
from .codec import from_chroma, to_chroma
from .embedder import Embedder, RapportEmbeddingFunction, get_embedder
from .errors import AlreadySupersededError, InvalidInputError, NotFoundError, RapportError, StoreUnavailableError
from .fusion import hybrid_scores
from .intake import as_new_memory, check_count, json_metadata, new_memory, parse_record, record_items
from .keyed_locks import KeyedLocks
from .records import (
    Hit,
    Memory,
    MemoryKind,
    MemoryStatus,
    NewMemory,
    check_kind,
    check_text,
    check_user_id,
    new_memory_id,
    utc_now,
)
from .user_records import Filter, UserRecords, record_filter

SearchMode = Literal["dense", "bm25", "hybrid", "recency"]
SEARCH_MODES: tuple[str, ...] = ("dense", "bm25", "hybrid", "recency")
MAX_K = 1000
COLLECTION_PREFIX = "rapport-user-"
PROFILE_COLLECTION = "rapport-profiles"  # derived per-user documents (profile summaries), removed by forget
# Candidates each retriever contributes to hybrid search (memory/fusion.py scores all of them on
# both sides); LoCoMo recall@10 is the same at 50 and 100, 0.001 lower at 20.
HYBRID_DEPTH = 50
REMOTE_CACHE_TTL_S = 5.0  # other clients of a shared server may write; re-read a user's records this often


class ChangeLog(Protocol):
    """A counter per user that every writer bumps, shared by all clients of one Chroma server.

    With it, a client re-reads a user's records as soon as another one changed them (a memory
    forgotten at one replica is gone at all of them on their next read); ``REMOTE_CACHE_TTL_S``
    still bounds a cache's age, for a bump lost while the counter was unreachable. Both methods
    return None when the counter cannot be reached: the cache is then not trusted, and writes go on.
    ``agent.memory_versions`` keeps it in Postgres.
    """

    def version(self, user_id: str) -> int | None: ...
    def bump(self, user_id: str) -> int | None: ...
    def close(self) -> None: ...


def collection_name(user_id: str) -> str:
    return COLLECTION_PREFIX + hashlib.sha256(user_id.encode("utf-8")).hexdigest()[:40]


class MemoryStore:
    """The user-scoped memory API: add, search, update, supersede, delete, forget, export, import."""

    def __init__(
        self,
        path: str | Path | None = None,
        url: str | None = None,
        embedder: Embedder | None = None,
        changes: ChangeLog | None = None,
    ) -> None:
        connection = connect(path, url)
        self._changes = changes
        self.embedder = embedder or get_embedder()
        self.location = connection.location
        self._remote = connection.remote
        self._client = connection.client
        self._claim = connection.claim  # this process's ownership of an embedded folder
        self._client_open = True
        self._embedding_function = RapportEmbeddingFunction(self.embedder)
        self._lock = threading.RLock()
        self._records: dict[str, UserRecords] = {}
        self._writing = KeyedLocks()
        self.max_batch = int(self._client.get_max_batch_size())

    # --- writing -------------------------------------------------------------------------------

    def writing(self, user_id: str) -> AbstractContextManager[None]:
        """Hold this user's write lock: one read-decide-write sequence of theirs at a time (not re-entrant).

        Each store call is atomic on its own, but ``reconcile`` reads, decides, then writes: two of
        them at once would both add the same text, or supersede what the other just replaced. Every
        caller that decides from what it read (reconcile, edit, delete, forget) holds this around
        both; other users' writes run in parallel.
        """
        return self._writing.hold(check_user_id(user_id))

    def add(
        self,
        user_id: str,
        text: str,
        *,
        kind: MemoryKind | str = MemoryKind.FACT,
        metadata: dict[str, Any] | None = None,
        created_at: datetime | None = None,
        source: str | None = None,
        context: str | None = None,
    ) -> Memory:
        item = {
            "text": text,
            "kind": kind,
            "metadata": metadata,
            "created_at": created_at,
            "source": source,
            "context": context,
        }
        return self.add_many(user_id, [item])[0]

    def add_many(
        self,
        user_id: str,
        items: Sequence[NewMemory | dict[str, Any] | str],
        *,
        embeddings: Sequence[Sequence[float]] | None = None,
    ) -> list[Memory]:
        """Add a batch in one write: after a crash the whole batch is there or none of it.

        ``embeddings`` lets a caller that already has the vectors (a benchmark, a migration) skip encoding.
        """
        user_id = check_user_id(user_id)
        if len(items) > self.max_batch:
            raise InvalidInputError(
                "items", f"{len(items)} items in one batch, the limit is {self.max_batch}", "split the batch"
            )
        now = utc_now()
        memories = [new_memory(user_id, as_new_memory(item, i), now) for i, item in enumerate(items)]
        if not memories:
            return []
        if embeddings is not None and len(embeddings) != len(memories):
            raise InvalidInputError("embeddings", f"{len(embeddings)} vectors for {len(memories)} items")
        vectors = embeddings if embeddings is not None else self.embedder.encode([m.text for m in memories])
        self._write(user_id, memories, vectors, create=True, new=True)
        return memories

    def update(
        self, user_id: str, memory_id: str, *, text: str | None = None, metadata: dict[str, Any] | None = None
    ) -> Memory:
        """Change a memory's text and/or replace its metadata; its id and history stay."""
        old = self.get(user_id, memory_id)
        changes: dict[str, Any] = {"updated_at": utc_now()}
        if text is not None:
            changes["text"] = check_text(text)
        if metadata is not None:
            changes["metadata"] = json_metadata(metadata)
        new = old.model_copy(update=changes)
        self._write(user_id, [new], self.embedder.encode([new.text]))
        return new

    def supersede(self, user_id: str, memory_id: str, new_text: str, *, also: Sequence[str] = ()) -> Memory:
        """Replace a memory that is no longer true; the old one is kept, marked and linked to the new one.

        ``also``: ids of further memories the new statement makes untrue ("I moved to Berlin" retires
        "I live in Paris" and "I rent a flat near the Louvre"), retired in the same write.
        """
        old = self.get(user_id, memory_id)
        others = [self.get(user_id, other_id) for other_id in dict.fromkeys(also) if other_id != memory_id]
        for memory in (old, *others):
            if memory.status is MemoryStatus.SUPERSEDED:
                raise AlreadySupersededError(memory.id, memory.superseded_by)
        now = utc_now()
        new = Memory(
            id=new_memory_id(),
            user_id=old.user_id,
            text=check_text(new_text, "new_text"),
            kind=old.kind,
            created_at=now,
            updated_at=now,
            source=old.source,
            # What the old memory was found by still finds its replacement ("Where do I live?" finds
            # "I just moved to Berlin" through "I live in Paris"); keyword search only, never shown.
            context="\n".join(part for part in (old.context, old.text) if part),
            metadata={**old.metadata, "supersedes": old.id},
        )
        retired = [
            memory.model_copy(update={"status": MemoryStatus.SUPERSEDED, "superseded_by": new.id, "updated_at": now})
            for memory in (old, *others)
        ]
        written = [new, *retired]
        self._write(user_id, written, self.embedder.encode([m.text for m in written]))  # one atomic write
        return new

    def delete(self, user_id: str, memory_id: str) -> None:
        self.get(user_id, memory_id)
        with self._lock:
            self._collection(user_id).delete(ids=[memory_id])
            self._user_records(user_id).remove([memory_id])
            self._changed(user_id)

    def forget(self, user_id: str) -> int:
        """Remove every record of this user; returns how many there were. Nobody else's data is touched."""
        user_id = check_user_id(user_id)
        with self._lock:
            collection = self._collection(user_id, create=False)
            self._records.pop(user_id, None)
            self._profiles().delete(where={"rapport_user_id": user_id})
            self._changed(user_id)
            if collection is None:
                return 0
            count = collection.count()
            self._client.delete_collection(collection.name)
            return count

    def save_profile(self, user_id: str, key: str, payload: str, summary: str) -> None:
        """Keep a derived document of this user (a profile under ``key``); ``summary`` is what gets embedded."""
        user_id = check_user_id(user_id)
        vector = self.embedder.encode([check_text(summary, "summary")])[0]
        self._profiles().upsert(
            ids=[f"{collection_name(user_id)}:{key}"],
            documents=[payload],
            metadatas=[{"rapport_user_id": user_id, "key": key}],
            embeddings=[vector.tolist()],
        )

    def load_profile(self, user_id: str, key: str) -> str | None:
        user_id = check_user_id(user_id)
        found = self._profiles().get(ids=[f"{collection_name(user_id)}:{key}"], include=["documents", "metadatas"])
        if not found["ids"] or found["metadatas"][0].get("rapport_user_id") != user_id:
            return None
        return found["documents"][0]

    def profile_payloads(self, user_id: str) -> dict[str, str]:
        """Every derived document of this user by key (what a backup copies)."""
        user_id = check_user_id(user_id)
        found = self._profiles().get(where={"rapport_user_id": user_id}, include=["documents", "metadatas"])
        return {
            str(fields["key"]): document
            for document, fields in zip(found["documents"], found["metadatas"], strict=True)
            if fields.get("rapport_user_id") == user_id
        }

    def import_records(self, user_id: str, records: str | Iterable[Memory | dict[str, Any] | str]) -> int:
        """Load exported records (JSON Lines text, lines, dicts or ``Memory``) into this user, ids kept.

        Records are written in batches of at most ``max_batch``; an existing id is overwritten.
        """
        user_id = check_user_id(user_id)
        memories = [parse_record(user_id, record, line) for line, record in enumerate(record_items(records), 1)]
        for start in range(0, len(memories), self.max_batch):
            batch = memories[start : start + self.max_batch]
            self._write(user_id, batch, self.embedder.encode([m.text for m in batch]), create=True)
        return len(memories)

    # --- reading -------------------------------------------------------------------------------

    def get(self, user_id: str, memory_id: str) -> Memory:
        user_id = check_user_id(user_id)
        if not isinstance(memory_id, str) or not memory_id:
            raise InvalidInputError("memory_id", "must be a non-empty string")
        memory = self._user_records(user_id).by_id.get(memory_id)
        if memory is None:
            raise NotFoundError("memory_id", memory_id)
        return memory

    def list(
        self,
        user_id: str,
        *,
        kind: MemoryKind | str | None = None,
        include_superseded: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Memory]:
        """The user's memories, newest first."""
        user_id = check_user_id(user_id)
        check_count("limit", limit, minimum=0)
        check_count("offset", offset, minimum=0)
        kinds = [check_kind(kind)] if kind is not None else None
        newest = self._user_records(user_id).newest_first(record_filter(kinds, include_superseded))
        return newest[offset : offset + limit]

    def count(self, user_id: str) -> int:
        return len(self._user_records(check_user_id(user_id)))

    def export(self, user_id: str) -> str:
        """All of the user's records, superseded ones included, as JSON Lines, oldest first."""
        records = self._user_records(check_user_id(user_id)).by_id.values()
        ordered = sorted(records, key=lambda m: (m.created_at, m.id))
        return "".join(m.model_dump_json() + "\n" for m in ordered)

    def users(self) -> list[str]:
        """Ids of the users that have a collection in this store."""
        users = []
        for collection in self._client.list_collections():
            if collection.name.startswith(COLLECTION_PREFIX):
                users.append(str((collection.metadata or {}).get("rapport_user_id", "")))
        return sorted(u for u in users if u)

    def search(
        self,
        user_id: str,
        query: str,
        *,
        k: int = 10,
        mode: SearchMode = "hybrid",
        kinds: Iterable[MemoryKind | str] | None = None,
        include_superseded: bool = False,
    ) -> list[Hit]:
        """The user's memories that best answer ``query``, best first.

        Modes: ``dense`` (cosine of MiniLM embeddings), ``bm25`` (keywords), ``hybrid`` (the default:
        each candidate's cosine plus its keyword score weighted by how much of the query's rare
        vocabulary the best keyword match holds; see ``memory/fusion.py``), ``recency`` (newest first,
        the query is ignored).
        """
        user_id = check_user_id(user_id)
        check_count("k", k, minimum=1, maximum=MAX_K)
        if mode not in SEARCH_MODES:
            raise InvalidInputError("mode", f"unknown search mode {mode!r}", f"use one of: {', '.join(SEARCH_MODES)}")
        if mode != "recency":
            query = check_text(query, "query")
        wanted = [check_kind(kind) for kind in kinds] if kinds else None
        keep = record_filter(wanted, include_superseded)
        where = _where(wanted, include_superseded)
        records = self._user_records(user_id)
        if mode == "recency":
            newest = records.newest_first(keep)[:k]
            return [Hit(memory=m, score=1.0 / (rank + 1)) for rank, m in enumerate(newest)]
        if mode == "bm25":
            return [Hit(memory=m, score=s) for m, s in records.keyword_ranking(query, keep, k)]
        if mode == "dense":
            return [Hit(memory=m, score=s) for m, s in self._dense_ranking(user_id, records, query, keep, where, k)]
        depth = max(HYBRID_DEPTH, 5 * k)
        dense = {m.id: score for m, score in self._dense_ranking(user_id, records, query, keep, where, depth)}
        keyword = {m.id: score for m, score in records.keyword_ranking(query, keep, depth)}
        evidence = records.keyword_evidence(query, next(iter(keyword))) if keyword else 0.0
        if evidence > 0.0:
            dense.update(self._cosines(user_id, query, [i for i in keyword if i not in dense]))
        fused = hybrid_scores(dense, keyword if evidence > 0.0 else {}, evidence)
        return [Hit(memory=records.by_id[memory_id], score=score) for memory_id, score in fused[:k]]

    def close(self) -> None:
        """Drop in-process caches, the Chroma client and this opener's share of the folder's lock.

        Data is already on disk (or on the server). After the last close in this process another
        process may own the folder, so nothing of this one's Chroma state is kept to be reused stale.
        """
        with self._lock:
            self._records.clear()
            client, self._client_open = self._client_open, False
        if client:
            self._client.close()
        if self._changes is not None:
            self._changes.close()  # the store owns it: one per store
        if self._claim is not None:
            self._claim.release()

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals -----------------------------------------------------------------------------

    def _dense_ranking(
        self,
        user_id: str,
        records: UserRecords,
        query: str,
        keep: Filter,
        where: dict[str, Any] | None,
        depth: int,
    ) -> list[tuple[Memory, float]]:
        eligible = len(records.select(keep))
        if eligible == 0:
            return []
        collection = self._collection(user_id, create=False)
        if collection is None:
            return []
        if eligible == len(records):
            where = None  # nothing to exclude: an unfiltered query is several times faster
        result = collection.query(
            query_embeddings=self.embedder.encode([query]),
            n_results=min(depth, eligible),
            where=where,
            include=["distances"],
        )
        ranked = []
        for memory_id, distance in zip(result["ids"][0], result["distances"][0], strict=True):
            memory = records.by_id.get(memory_id)
            if memory is not None and keep(memory):
                ranked.append((memory, 1.0 - float(distance)))
        return ranked

    def _cosines(self, user_id: str, query: str, memory_ids: list[str]) -> dict[str, float]:
        """Cosine of the query to memories that dense search did not return (their stored vectors)."""
        collection = self._collection(user_id, create=False) if memory_ids else None
        if collection is None:
            return {}
        stored = collection.get(ids=memory_ids, include=["embeddings"])
        vectors = np.asarray(stored["embeddings"], dtype=np.float32).reshape(len(stored["ids"]), -1)
        cosines = vectors @ self.embedder.encode([query])[0] if len(vectors) else []
        return {memory_id: float(c) for memory_id, c in zip(stored["ids"], cosines, strict=True)}

    def _write(
        self, user_id: str, memories: list[Memory], vectors: Any, *, create: bool = False, new: bool = False
    ) -> None:
        """One Chroma transaction; ``new`` records (fresh ids) take the cheaper ``add`` path (about 30% faster)."""
        rows = [to_chroma(m) for m in memories]
        with self._lock:
            collection = self._collection(user_id, create=create)
            if collection is None:
                raise NotFoundError("user_id", user_id)
            write = collection.add if new else collection.upsert
            write(
                ids=[memory_id for memory_id, _ in rows],
                metadatas=[fields for _, fields in rows],
                embeddings=np.asarray(vectors, dtype=np.float32),
            )
            self._user_records(user_id).put(memories)
            self._changed(user_id)

    def _changed(self, user_id: str) -> None:
        """Tell other clients this user's records changed; keep ours only if nobody else wrote in between."""
        if self._changes is None:
            return
        version = self._changes.bump(user_id)
        records = self._records.get(user_id)
        if version is not None and records is not None and records.version == version - 1:
            records.version = version
        else:
            self._records.pop(user_id, None)

    def _collection(self, user_id: str, *, create: bool = False) -> Collection | None:
        name = collection_name(user_id)
        try:
            if create:
                collection = self._client.get_or_create_collection(
                    name,
                    metadata={"rapport_user_id": user_id},
                    embedding_function=self._embedding_function,
                    configuration={"hnsw": {"space": "cosine"}},
                )
            else:
                collection = self._client.get_collection(name, embedding_function=self._embedding_function)
        except ChromaNotFoundError:
            return None
        except Exception as error:  # connection failures surface as many types
            raise StoreUnavailableError(f"cannot reach the memory store at {self.location}: {error}") from error
        if (collection.metadata or {}).get("rapport_user_id") != user_id:
            raise RapportError(f"collection {name} belongs to another user id; refusing to use it")
        return collection

    def _profiles(self) -> Collection:
        return self._client.get_or_create_collection(
            PROFILE_COLLECTION, embedding_function=self._embedding_function, configuration={"hnsw": {"space": "cosine"}}
        )

    def _user_records(self, user_id: str) -> UserRecords:
        with self._lock:
            records = self._records.get(user_id)
            version = self._changes.version(user_id) if self._changes is not None else None  # before the records
            if records is not None and not self._stale(records, version):
                return records
            collection = self._collection(user_id, create=False)
            records = UserRecords(self._read_all(collection, user_id) if collection is not None else [])
            records.version = version
            self._records[user_id] = records
            return records

    def _stale(self, records: UserRecords, version: int | None) -> bool:
        """Older than the TTL, or (with a change log) changed since loaded, or the log unreachable (None)."""
        if self._remote and time.monotonic() - records.loaded_at > REMOTE_CACHE_TTL_S:
            return True
        return self._changes is not None and (version is None or version != records.version)

    def _read_all(self, collection: Collection, user_id: str) -> Iterator[Memory]:
        page = 5000
        for offset in range(0, collection.count(), page):
            batch = collection.get(limit=page, offset=offset, include=["metadatas"])
            for memory_id, fields in zip(batch["ids"], batch["metadatas"], strict=True):
                memory = from_chroma(memory_id, fields)
                if memory.user_id != user_id:  # defence in depth: never hand out a foreign record
                    raise RapportError(f"record {memory_id} in {collection.name} is not {user_id!r}'s")
                yield memory


def _where(kinds: Sequence[MemoryKind] | None, include_superseded: bool) -> dict[str, Any] | None:
    """The Chroma filter matching ``record_filter(kinds, include_superseded)``."""
    clauses: list[dict[str, Any]] = []
    if kinds:
        clauses.append({"kind": {"$in": [kind.value for kind in kinds]}})
    if not include_superseded:
        clauses.append({"status": MemoryStatus.ACTIVE.value})
    if len(clauses) > 1:
        return {"$and": clauses}
    return clauses[0] if clauses else None
