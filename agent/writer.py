"""Writes memories after a reply, off the user's wait: one background worker, so writes never race.

Failures are logged and kept in ``errors`` (``Assistant.flush`` re-raises the first one): a turn's
memories are never dropped silently.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from agent.llm.base import ChatModel
from memory import MemoryStore
from memory.extraction import Outcome, extract, reconcile
from memory.profile import ProfileBuilder

log = logging.getLogger(__name__)


class MemoryWriter:
    def __init__(self, store: MemoryStore, model: ChatModel, profiles: ProfileBuilder) -> None:
        self.store = store
        self.model = model
        self.profiles = profiles
        self.errors: list[BaseException] = []
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rapport-remember")
        self._pending: dict[Future, str] = {}  # future -> user id
        self._lock = threading.Lock()

    def submit(self, user_id: str, message: str, reply: str, source: str) -> Future:
        future = self._executor.submit(self.write_turn, user_id, message, reply, source)
        with self._lock:
            self._pending[future] = user_id
        future.add_done_callback(self._finished)
        return future

    def wait_for(self, user_id: str, timeout: float | None = 5.0) -> None:
        """Let this user's earlier turns finish writing; other users' writes and errors are not waited on.

        Errors stay for ``flush``: one user's failure is never reported to another user's request.
        """
        with self._lock:
            pending = [future for future, owner in self._pending.items() if owner == user_id]
        wait(pending, timeout=timeout)

    def write_turn(self, user_id: str, message: str, reply: str, source: str) -> list[Outcome]:
        """Extract and reconcile what the user said; refresh the profile if enough changed."""
        outcomes = [
            reconcile(self.store, user_id, candidate, model=self.model, source=source)
            for candidate in extract(self.model, message, reply)
        ]
        if any(outcome.action != "ignore" for outcome in outcomes):
            self.profiles.refresh_if_stale(user_id)
        return outcomes

    def flush(self, timeout: float | None = None) -> None:
        """Wait for pending writes; raise the first error any of them hit."""
        with self._lock:
            pending = list(self._pending)
        wait(pending, timeout=timeout)
        if self.errors:
            error, self.errors = self.errors[0], []
            raise error

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    def _finished(self, future: Future) -> None:
        with self._lock:
            self._pending.pop(future, None)
        if future.exception() is not None:
            log.error("writing memories failed: %s", future.exception())
            self.errors.append(future.exception())
