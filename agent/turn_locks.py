"""One turn at a time per conversation: concurrent requests on the same user's thread wait their turn.

Why: a turn reads the thread's checkpoint, runs, and writes it back; two turns of one thread at once
would both start from the same state and one would overwrite the other's messages. Different users
and different threads still run in parallel. Locks exist only while someone holds or waits for them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class TurnLocks:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, list[int]]] = {}

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        """Hold the lock of one conversation (its checkpoint key) for the block."""
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
