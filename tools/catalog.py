"""The item catalog: its own Chroma collection, and an in-memory index that rankers work on.

Chroma holds the items durably (text, attributes, MiniLM vectors passed explicitly, never Chroma's
default embedding function). Ranking needs every item's vector at once, so ``Catalog.index()``
reads the collection once into a ``CatalogIndex`` of numpy arrays; the evaluation builds the same
index straight from files, so the product and the eval rank with one implementation.

A load writes into a staging collection and swaps it in only when every item is there, so an
interrupted load leaves the previous catalog (or none), never a partial one presented as complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from memory.chroma import connect
from memory.embedder import Embedder, RapportEmbeddingFunction, get_embedder
from memory.errors import InvalidInputError, NotFoundError, RapportError, StoreUnavailableError

from .items import Item

CATALOG_COLLECTION = "rapport-catalog"
STAGING_PREFIX = "rapport-catalog-staging-"
WRITE_BATCH = 1000


@dataclass
class CatalogIndex:
    """Every item with its unit-length vector and the attributes filters need, position-aligned."""

    items: list[Item]
    embeddings: np.ndarray
    position: dict[str, int] = field(init=False)
    years: np.ndarray = field(init=False)
    popularity: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        if len(self.items) != len(self.embeddings):
            raise ValueError(f"{len(self.items)} items but {len(self.embeddings)} vectors")
        self.position = {item.id: i for i, item in enumerate(self.items)}
        self.years = np.array([item.year if item.year is not None else np.nan for item in self.items], dtype=float)
        self.popularity = np.array([float(item.attributes.get("popularity", 0) or 0) for item in self.items])

    def __len__(self) -> int:
        return len(self.items)

    @property
    def ids(self) -> list[str]:
        return [item.id for item in self.items]

    def positions(self, item_ids: Sequence[str], *, strict: bool = True) -> list[int]:
        """Positions of known ids; an unknown id raises (``strict``) or is dropped."""
        found = []
        for item_id in item_ids:
            position = self.position.get(str(item_id))
            if position is None:
                if strict:
                    raise NotFoundError("item_id", str(item_id))
                continue
            found.append(position)
        return found

    def genres(self) -> list[str]:
        """Every genre name in the catalog, as written there."""
        return sorted({genre for item in self.items for genre in item.genres})

    def genre_mask(self, genres: Sequence[str]) -> np.ndarray:
        """Items that have any of ``genres`` (case-insensitive)."""
        wanted = {g.casefold() for g in genres}
        return np.array([any(g.casefold() in wanted for g in item.genres) for item in self.items], dtype=bool)

    @classmethod
    def from_items(
        cls, items: Sequence[Item], embedder: Embedder | None = None, cache: Path | None = None
    ) -> CatalogIndex:
        return cls(list(items), embed_items(items, embedder or get_embedder(), cache))


def embed_items(
    items: Sequence[Item], embedder: Embedder, cache: Path | None = None, *, progress: str | None = None
) -> np.ndarray:
    """Item vectors, with an on-disk cache keyed by the hash of each text (item texts are immutable)."""
    return embed_texts([item.text for item in items], embedder, cache, progress=progress)


def embed_texts(
    texts: Sequence[str], embedder: Embedder, cache: Path | None = None, *, progress: str | None = None
) -> np.ndarray:
    """Vectors of ``texts`` (each distinct text encoded once), cached on disk by the hash of the text.

    ``progress`` names a progress bar to show while encoding (a whole catalog takes a minute or more).
    """
    keys = [hashlib.sha1(text.encode("utf-8")).hexdigest() for text in texts]
    known: dict[str, np.ndarray] = {}
    if cache is not None and cache.is_file():
        with np.load(cache) as stored:
            known = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
    missing = list({key: i for i, key in enumerate(keys) if key not in known}.values())
    if missing:
        vectors = _encode([texts[i] for i in missing], embedder, progress)
        known.update({keys[i]: vector for i, vector in zip(missing, vectors, strict=True)})
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            temporary = cache.with_name(cache.name + ".tmp.npz")
            np.savez(temporary, keys=np.array(list(known)), vectors=np.stack(list(known.values())))
            temporary.replace(cache)
    if not texts:
        return np.empty((0, embedder.dimension), dtype=np.float32)
    return np.stack([known[key] for key in keys]).astype(np.float32)


PROGRESS_BATCH = 256  # texts per step of a progress bar


def _encode(texts: list[str], embedder: Embedder, progress: str | None) -> np.ndarray:
    if progress is None or len(texts) <= PROGRESS_BATCH:
        return np.asarray(embedder.encode(texts))
    from tqdm import tqdm

    parts = []
    with tqdm(total=len(texts), desc=progress, unit="item") as bar:
        for start in range(0, len(texts), PROGRESS_BATCH):
            parts.append(np.asarray(embedder.encode(texts[start : start + PROGRESS_BATCH])))
            bar.update(len(parts[-1]))
    return np.concatenate(parts)


class Catalog:
    """The items users can be recommended, in Chroma (embedded folder or server, like ``MemoryStore``)."""

    def __init__(
        self, path: str | Path | None = None, url: str | None = None, embedder: Embedder | None = None
    ) -> None:
        connection = connect(path, url)
        self.embedder = embedder or get_embedder()
        self.location = connection.location
        self._client = connection.client
        self._claim = connection.claim  # this process's ownership of an embedded folder
        self._embedding_function = RapportEmbeddingFunction(self.embedder)
        self._index: CatalogIndex | None = None
        self._swap_checked = False
        self._closed = False

    def close(self) -> None:
        """Close the Chroma client and release this opener's share of the folder's lock (data stays on disk)."""
        if self._closed:
            return
        self._closed = True
        self._client.close()
        if self._claim is not None:
            self._claim.release()

    def load(self, items: Sequence[Item], *, embeddings: np.ndarray | None = None, progress: str | None = None) -> int:
        """Replace the catalog with ``items``; the old one stays in place until the new one is complete."""
        if not items:
            raise InvalidInputError("items", "is empty", "load at least one item")
        ids = [item.id for item in items]
        if len(set(ids)) != len(ids):
            raise InvalidInputError("items", "contain duplicate ids", "give each item a unique id")
        vectors = embeddings if embeddings is not None else embed_items(items, self.embedder, progress=progress)
        self._collection()  # finishes a swap a killed load left half-done, so the drop below keeps it
        self._drop_staging()
        staging_name = STAGING_PREFIX + uuid.uuid4().hex[:12]
        try:
            staging = self._client.create_collection(
                staging_name,
                metadata={"rapport_catalog": "loading"},
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=self._embedding_function,
            )
            for start in range(0, len(items), WRITE_BATCH):
                batch = items[start : start + WRITE_BATCH]
                staging.add(
                    ids=[item.id for item in batch],
                    documents=[item.text for item in batch],
                    metadatas=[_metadata(item) for item in batch],
                    embeddings=[list(map(float, v)) for v in vectors[start : start + WRITE_BATCH]],
                )
            if staging.count() != len(items):
                raise RapportError(f"catalog load wrote {staging.count()} of {len(items)} items; nothing was replaced")
            staging.modify(metadata={"rapport_catalog": "staged", "items": len(items)})  # whole: may replace
            self._delete(CATALOG_COLLECTION)
            staging.modify(name=CATALOG_COLLECTION, metadata={"rapport_catalog": "complete", "items": len(items)})
        except RapportError:
            raise
        except Exception as error:
            raise StoreUnavailableError(f"cannot write the catalog at {self.location}: {error}") from error
        self._index = CatalogIndex(list(items), np.asarray(vectors, dtype=np.float32))
        return len(items)

    def count(self) -> int:
        collection = self._collection()
        return collection.count() if collection is not None else 0

    def index(self) -> CatalogIndex:
        """All items and vectors in memory (read once per process, refreshed by ``load``)."""
        if self._index is None:
            collection = self._collection()
            if collection is None:
                raise NotFoundError("catalog", f"{CATALOG_COLLECTION} at {self.location} (run `rapport catalog load`)")
            items, vectors = [], []
            total = collection.count()
            for offset in range(0, total, 5000):
                page = collection.get(limit=5000, offset=offset, include=["metadatas", "embeddings"])
                for metadata, vector in zip(page["metadatas"], page["embeddings"], strict=True):
                    items.append(Item.model_validate_json(metadata["item_json"]))
                    vectors.append(np.asarray(vector, dtype=np.float32))
            self._index = CatalogIndex(items, np.stack(vectors) if vectors else np.empty((0, self.embedder.dimension)))
        return self._index

    def get(self, item_id: str) -> Item:
        index = self.index()
        position = index.position.get(str(item_id))
        if position is None:
            raise NotFoundError("item_id", str(item_id))
        return index.items[position]

    def search(self, query: str, *, k: int = 10) -> list[tuple[Item, float]]:
        """Items whose text is closest to ``query`` (Chroma's vector index), best first with cosine scores."""
        if not isinstance(k, int) or k < 1:
            raise InvalidInputError("k", f"must be a positive integer, got {k!r}")
        if not isinstance(query, str) or not query.strip():
            raise InvalidInputError("query", "is empty", "describe what you are looking for")
        collection = self._collection()
        if collection is None:
            raise NotFoundError("catalog", f"{CATALOG_COLLECTION} at {self.location} (run `rapport catalog load`)")
        result = collection.query(
            query_embeddings=self.embedder.encode([query]),
            n_results=min(k, collection.count()),
            include=["metadatas", "distances"],
        )
        return [
            (Item.model_validate_json(metadata["item_json"]), 1.0 - float(distance))
            for metadata, distance in zip(result["metadatas"][0], result["distances"][0], strict=True)
        ]

    def _collection(self) -> Any:
        from chromadb.errors import NotFoundError as ChromaNotFoundError

        try:
            collection = self._client.get_collection(CATALOG_COLLECTION, embedding_function=self._embedding_function)
        except ChromaNotFoundError:
            return self._finish_swap()
        except Exception as error:
            raise StoreUnavailableError(f"cannot reach the catalog at {self.location}: {error}") from error
        if (collection.metadata or {}).get("rapport_catalog") != "complete":
            raise RapportError("the catalog is incomplete (an interrupted load?): run `rapport catalog load` again")
        return collection

    def _delete(self, name: str) -> None:
        from chromadb.errors import NotFoundError as ChromaNotFoundError

        with contextlib.suppress(ChromaNotFoundError, ValueError):
            self._client.delete_collection(name)

    def _finish_swap(self) -> Any:
        """A load killed between dropping the old catalog and renaming the new one: rename it now.

        Looked for once per process (listing every collection on each count would slow every turn).
        """
        if self._swap_checked:
            return None
        self._swap_checked = True
        for collection in self._client.list_collections():
            metadata = collection.metadata or {}
            if collection.name.startswith(STAGING_PREFIX) and metadata.get("rapport_catalog") == "staged":
                staged = self._client.get_collection(collection.name, embedding_function=self._embedding_function)
                if staged.count() == metadata.get("items"):
                    staged.modify(name=CATALOG_COLLECTION, metadata={**metadata, "rapport_catalog": "complete"})
                    return staged
        return None

    def _drop_staging(self) -> None:
        """Staging collections left by a load that was killed part-way."""
        for collection in self._client.list_collections():
            if collection.name.startswith(STAGING_PREFIX):
                self._delete(collection.name)


def _metadata(item: Item) -> dict[str, Any]:
    fields: dict[str, Any] = {"title": item.title, "genres": "|".join(item.genres)}
    if item.year is not None:
        fields["year"] = item.year
    fields["item_json"] = item.model_dump_json()
    return fields
