"""One turn at a time per conversation: concurrent requests on the same user's thread wait their turn.

Why: a turn reads the thread's checkpoint, runs, and writes it back; two turns of one thread at once
would both start from the same state and one would overwrite the other's messages. Different users
and different threads still run in parallel (``memory.keyed_locks``). ``quiet`` lets a backup wait
until no turn is running and keeps new ones waiting while it reads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from memory.keyed_locks import KeyedLocks


class TurnLocks:
    def __init__(self) -> None:
        self._guard = threading.Condition()
        self._keys = KeyedLocks()
        self._active = 0  # holders and waiters that got past the quiet gate
        self._quiet = 0

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        """Hold the lock of one conversation (its checkpoint key) for the block."""
        with self._guard:
            while self._quiet:
                self._guard.wait()
            self._active += 1
        try:
            with self._keys.hold(key):
                yield
        finally:
            with self._guard:
                self._active -= 1
                self._guard.notify_all()

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """No turn runs inside the block: running ones finish first, new ones wait until it ends."""
        with self._guard:
            self._quiet += 1
            while self._active:
                self._guard.wait()
        try:
            yield
        finally:
            with self._guard:
                self._quiet -= 1
                self._guard.notify_all()
