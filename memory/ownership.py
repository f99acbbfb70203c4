"""One owner per data dir: an OS file lock (``flock``) that the OS releases the moment the owner dies.

Why: embedded Chroma is safe across threads, not across processes; two processes writing one folder
silently lose each other's writes. The first process to open a data dir takes ``rapport.lock`` and
writes its PID into it. ``rapport serve`` also writes ``rapport.server.json`` (URL and PID) beside the
lock, so that other ``rapport`` commands can go through its HTTP API instead of opening the store.

Inside one process the claim is shared: every opener (the memory store, the catalog, the assistant)
takes a ``Claim`` and releases it on close; the lock goes when the last one is released.
An embedded Chroma folder belongs to the data dir that contains it (``<data dir>/chroma``).
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import DataDirInUseError

LOCK_FILE = "rapport.lock"
SERVER_FILE = "rapport.server.json"
PID_WAIT_S = 1.0  # a new owner writes its PID right after locking; a reader waits this long for it


@dataclass(frozen=True)
class Owner:
    """The live process that owns a data dir; ``url`` is set when it is a ``rapport serve``."""

    pid: int
    url: str | None = None


@dataclass
class _Held:
    fd: int
    pid: int
    count: int


_held: dict[Path, _Held] = {}
_guard = threading.Lock()


def data_dir_of(chroma_folder: str | Path) -> Path:
    """The data dir an embedded Chroma folder belongs to: the folder that contains it."""
    return Path(chroma_folder).expanduser().resolve().parent


class Claim:
    """This process's share of a data dir's ownership; ``release`` it when done (idempotent)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._released = False

    def release(self) -> None:
        with _guard:
            if self._released:
                return
            self._released = True
            held = _held.get(self.folder)
            if held is None or held.pid != os.getpid():
                return
            held.count -= 1
            if held.count == 0:
                del _held[self.folder]
                _remove_server_file(self.folder)
                os.close(held.fd)  # closing the descriptor drops the lock


def claim(data_dir: str | Path) -> Claim:
    """Own ``data_dir`` (shared within this process) or raise ``DataDirInUseError`` naming the owner."""
    folder = Path(data_dir).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    with _guard:
        held = _held.get(folder)
        if held is not None and held.pid == os.getpid():
            held.count += 1
            return Claim(folder)
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DataDirInUseError(str(folder), *_describe(_read_owner(folder))) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        os.fsync(fd)
        _held[folder] = _Held(fd=fd, pid=os.getpid(), count=1)
        return Claim(folder)


def owns(data_dir: str | Path) -> bool:
    """True when this process holds the data dir."""
    held = _held.get(Path(data_dir).expanduser().resolve())
    return held is not None and held.pid == os.getpid()


def current_owner(data_dir: str | Path) -> Owner | None:
    """The other live process that owns ``data_dir``; None when nobody does, or this process does."""
    folder = Path(data_dir).expanduser().resolve()
    if owns(folder) or not (folder / LOCK_FILE).exists():
        return None
    fd = os.open(folder / LOCK_FILE, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return _read_owner(folder)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def announce_server(data_dir: str | Path, url: str) -> Path:
    """Write ``rapport.server.json`` (URL, PID) beside the lock; only the owner may."""
    folder = Path(data_dir).expanduser().resolve()
    if not owns(folder):
        raise RuntimeError(f"{folder} is not owned by this process; claim it before announcing a server")
    path = folder / SERVER_FILE
    temporary = path.with_name(f".{SERVER_FILE}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"pid": os.getpid(), "url": url, "started_at": time.time()}), encoding="utf-8")
    temporary.replace(path)
    return path


def withdraw_server(data_dir: str | Path) -> None:
    """Remove this process's ``rapport.server.json`` (a server that stops no longer takes requests)."""
    _remove_server_file(Path(data_dir).expanduser().resolve())


def _remove_server_file(folder: Path) -> None:
    path = folder / SERVER_FILE
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def _read_owner(folder: Path) -> Owner | None:
    deadline = time.monotonic() + PID_WAIT_S
    pid = None
    while pid is None:
        try:
            pid = int((folder / LOCK_FILE).read_text(encoding="ascii").strip() or "0") or None
        except (OSError, ValueError):
            pid = None
        if pid is None:
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)
    url = None
    try:
        server = json.loads((folder / SERVER_FILE).read_text(encoding="utf-8"))
        if server.get("pid") == pid and isinstance(server.get("url"), str):
            url = server["url"]
    except (OSError, ValueError):
        pass
    return Owner(pid=pid, url=url)


def _describe(owner: Owner | None) -> tuple[int | None, str | None]:
    return (owner.pid, owner.url) if owner is not None else (None, None)
