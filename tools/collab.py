"""Everyone's collaborative models (EASE and item-kNN), fitted from interactions, saved, and kept current.

Both are item-to-item, so a user's own new interactions count at their next request without a refit
(the history is read from memory each time); what ages is what the models learnt from everyone. A
``CollabRefresher`` refits them in a background thread once enough new interactions have arrived
and swaps them in whole; requests meanwhile use the previous models.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from .catalog import CatalogIndex
from .ease import EASE
from .interactions import Interaction
from .retrieval import ItemKNN, interaction_matrix

log = logging.getLogger(__name__)
ITEMKNN_FILE = "itemknn.npz"
EASE_FILE = "ease.npz"


class CollabConfig(BaseModel):
    """How EASE is fitted; ``l2`` is chosen on validation (``rapport eval recsys --tune``)."""

    l2: float = Field(default=300.0, gt=0, description="EASE ridge strength.")
    min_count: int = Field(default=3, ge=1, description="Items with fewer interactions are not modelled by EASE.")
    max_items: int = Field(default=6000, ge=1, description="At most this many (most-interacted) items in EASE.")
    refit_every: int = Field(default=500, ge=1, description="New interactions that trigger a background refit.")


@dataclass
class CollabModel:
    knn: ItemKNN
    ease: EASE | None
    fit_s: float = 0.0

    @classmethod
    def fit(
        cls, index: CatalogIndex, by_user: Mapping[str, Sequence[Interaction]], config: CollabConfig | None = None
    ) -> CollabModel:
        """Both models from every user's interactions (binary: who interacted with what)."""
        config = config or CollabConfig()
        started = time.perf_counter()
        matrix = interaction_matrix(index, by_user)
        knn = ItemKNN.fit(matrix)
        ease = None
        if matrix.nnz:
            eligible = int((knn.counts >= config.min_count).sum())
            if eligible:
                ease = EASE.fit(matrix, l2=config.l2, min_count=config.min_count, max_items=config.max_items)
        return cls(knn=knn, ease=ease, fit_s=time.perf_counter() - started)

    def save(self, folder: Path, item_ids: Sequence[str]) -> None:
        self.knn.save(folder / ITEMKNN_FILE, item_ids)
        if self.ease is not None:
            self.ease.save(folder / EASE_FILE, item_ids)
        else:
            (folder / EASE_FILE).unlink(missing_ok=True)

    @classmethod
    def load(cls, folder: Path, item_ids: Sequence[str]) -> CollabModel | None:
        """The saved models, or None when there are none for this catalog."""
        knn = ItemKNN.load(folder / ITEMKNN_FILE, item_ids)
        if knn is None:
            return None
        return cls(knn=knn, ease=EASE.load(folder / EASE_FILE, item_ids))


class CollabRefresher:
    """Counts new interactions; past ``every`` of them, refits in a background thread (one at a time)."""

    def __init__(self, refit: Callable[[], CollabModel], install: Callable[[CollabModel], None], every: int) -> None:
        self._refit, self._install, self.every = refit, install, every
        self._pending = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def notify(self, new_interactions: int) -> bool:
        """Record new interactions; returns True when this started a refit."""
        with self._lock:
            self._pending += new_interactions
            if self._pending < self.every or (self._thread is not None and self._thread.is_alive()):
                return False
            self._pending = 0
            self._thread = threading.Thread(target=self._run, name="rapport-collab-refit", daemon=True)
            self._thread.start()
            return True

    def wait(self, timeout: float | None = None) -> None:
        """Block until a running refit is done (tests, shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        try:
            self._install(self._refit())
        except Exception:  # a failed refit keeps the current models; the next batch of interactions retries
            log.exception("background refit of the collaborative models failed")
