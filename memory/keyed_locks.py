"""One lock per key (a user id, a conversation), existing only while someone holds or waits for it.

Why: work on one key must not interleave (two decide-then-write sequences of one user, two turns of
one thread), while different keys run in parallel; a lock per key kept forever would grow with
every user ever seen. The locks are not re-entrant: a holder that takes its own key again waits for
itself, so a guarded block never calls another block guarded by the same key.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class KeyedLocks:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, list[int]]] = {}  # key -> (lock, [holders and waiters])

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        """Hold the lock of ``key`` for the block; other keys are not waited on."""
        with self._guard:
            lock, users = self._locks.setdefault(key, (threading.Lock(), [0]))
            users[0] += 1
        try:
            with lock:
                yield
        finally:
            with self._guard:
                users[0] -= 1
                if users[0] == 0:
                    del self._locks[key]
