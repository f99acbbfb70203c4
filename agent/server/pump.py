"""Run a blocking generator in one dedicated thread and hand its items over through a queue.

Why: a streamed reply is consumed by the web server from whichever pool thread is free, but the
assistant's generator holds thread-bound things (a SQLite connection, LangGraph's run context).
Driving it from one thread for its whole life keeps it correct; closing the pump stops it early
when the client goes away.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_END = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class ThreadPump(Generic[T]):
    """Iterate ``source`` in its own thread; exceptions are re-raised on the consumer's side."""

    def __init__(self, source: Iterator[T], *, buffer: int = 256, name: str = "rapport-stream") -> None:
        self._source = source
        self._items: queue.Queue[object] = queue.Queue(maxsize=buffer)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for item in self._source:
                if not self._put(item):
                    break
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, which re-raises it
            self._put(_Failure(error))
        finally:
            close = getattr(self._source, "close", None)
            if close is not None:
                close()
            self._put(_END)

    def __iter__(self) -> ThreadPump[T]:
        return self

    def __next__(self) -> T:
        if self._done:
            raise StopIteration
        item = self._items.get()
        if item is _END:
            self._done = True
            raise StopIteration
        if isinstance(item, _Failure):
            self._done = True
            raise item.error
        return item  # type: ignore[return-value]

    def close(self) -> None:
        """Stop the producer (it finishes the item in hand, then closes the source)."""
        self._done = True
        self._stop.set()
