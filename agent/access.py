"""How a ``rapport`` command reaches a data dir: directly when nobody else owns it, else through its owner.

Why: only one process may open an embedded store (``memory.ownership``). When that owner is a
``rapport serve``, the memory, profile, chat, backup and restore commands send their work to its
HTTP API (``RemoteStore``, ``RemoteAssistant``) and behave the same; any other owner is a clear
``DataDirInUseError`` that names its PID and the two ways out.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.settings import Settings
from memory.errors import (
    DataDirInUseError,
    InvalidInputError,
    NotFoundError,
    RapportError,
    StoreUnavailableError,
)
from memory.ownership import current_owner
from memory.records import Hit, Memory

if TYPE_CHECKING:
    import httpx

    from agent import Assistant
    from agent.outbox import Outbox
    from agent.types import StreamEvent
    from memory import MemoryStore
    from memory.profile import Profile
    from tools.recommend import Recommendation
    from tools.retrieval import Filters

CONNECT_RETRY_S = 10.0  # a server that just started may not accept connections yet
TIMEOUT_S = 600.0


def owner_url(settings: Settings) -> str | None:
    """The URL of the ``rapport serve`` that owns the data dir; None when this process may open it.

    Raises ``DataDirInUseError`` when another kind of process owns it.
    """
    owner = current_owner(settings.data_dir)
    if owner is None:
        return None
    if owner.url is None:
        raise DataDirInUseError(str(settings.data_dir.expanduser().resolve()), owner.pid)
    return owner.url


def open_store(settings: Settings | None = None) -> LocalStore | RemoteStore:
    """The memory store of the configured data dir, opened here or reached through its server."""
    settings = settings or Settings()
    if settings.chroma_url is None:
        url = owner_url(settings)
        if url is not None:
            return RemoteStore(url, settings)
    from agent.imports import replay_imports
    from agent.outbox import OUTBOX_FILE, Outbox
    from memory import MemoryStore

    store = MemoryStore(url=settings.chroma_url) if settings.chroma_url else MemoryStore(path=settings.chroma_path)
    outbox = Outbox(settings.data_dir.expanduser() / OUTBOX_FILE)
    replay_imports(store, outbox)  # an import a killed command journaled is finished first
    return LocalStore(store, outbox)


def open_assistant(settings: Settings | None = None) -> Assistant | RemoteAssistant:
    """The assistant of the configured data dir, opened here or reached through its server."""
    settings = settings or Settings()
    url = owner_url(settings)
    if url is not None:
        return RemoteAssistant(url, settings)
    from agent import Assistant

    return Assistant.open(settings)


class LocalStore:
    """A ``MemoryStore`` this process opened, with the outbox that makes imports all or nothing."""

    def __init__(self, store: MemoryStore, outbox: Outbox) -> None:
        self.store = store
        self.outbox = outbox

    def __getattr__(self, name: str) -> Any:  # every other method is the store's own
        return getattr(self.store, name)

    def import_records(self, user_id: str, records: str | Iterable[Any]) -> int:
        from agent.imports import import_records

        return import_records(self.store, self.outbox, user_id, records)

    def close(self) -> None:
        self.outbox.close()
        self.store.close()


class _Client:
    """HTTP to the owning server, with its errors turned back into ours."""

    def __init__(self, url: str, settings: Settings) -> None:
        import httpx

        key = settings.server_admin_key
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=TIMEOUT_S)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        import httpx

        deadline = time.monotonic() + CONNECT_RETRY_S
        while True:
            try:
                response = self.http.request(method, path, **kwargs)
                break
            except httpx.ConnectError as error:
                if time.monotonic() > deadline:
                    raise StoreUnavailableError(
                        f"the data dir is owned by `rapport serve` at {self.url}, which does not answer ({error}): "
                        "wait for it to start, or stop it"
                    ) from None
                time.sleep(0.2)
            except httpx.HTTPError as error:
                raise _lost(self.url, error) from None
        if response.status_code >= 400:
            raise _error(response)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.request(method, path, **kwargs).json()

    def close(self) -> None:
        self.http.close()


class ServerNotFoundError(NotFoundError):
    """The owning server's 404, with the server's own message (it already names the field and value)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)
        self.args = (message,)


def _error(response: httpx.Response) -> RapportError:
    try:
        error = response.json()["error"]
        message, param = str(error.get("message")), error.get("param")
    except (ValueError, KeyError, TypeError, AttributeError):
        message, param = response.text[:500] or f"HTTP {response.status_code}", None
    if response.status_code == 404 and param:
        return ServerNotFoundError(str(param), message)
    if response.status_code == 400:
        return InvalidInputError(str(param or "request"), message.removeprefix(f"{param}: ") if param else message)
    if response.status_code == 401:
        return InvalidInputError("RAPPORT_ADMIN_KEY", message, "set the admin key the server was started with")
    return StoreUnavailableError(f"the server answered {response.status_code}: {message}")


def _lost(url: str, error: Exception) -> StoreUnavailableError:
    return StoreUnavailableError(
        f"`rapport serve` at {url} stopped answering ({type(error).__name__}: {error}); "
        "what it acknowledged is kept: check that it is running and try again"
    )


def _user(user_id: str) -> str:
    from urllib.parse import quote

    from memory.records import check_user_id

    return quote(check_user_id(user_id), safe="")


class RemoteStore(_Client):
    """The ``MemoryStore`` methods the CLI uses, through the owning ``rapport serve``."""

    def add(self, user_id: str, text: str, *, kind: str = "fact") -> Memory:
        found = self.json("POST", f"/v1/users/{_user(user_id)}/memories/verbatim", json={"text": text, "kind": kind})
        return Memory.model_validate(found)

    def search(self, user_id: str, query: str, *, k: int = 10, mode: str = "hybrid") -> list[Hit]:
        params = {"query": query, "k": k, "mode": mode}
        found = self.json("GET", f"/v1/users/{_user(user_id)}/memories/search", params=params)
        return [Hit.model_validate(hit) for hit in found["data"]]

    def list(
        self,
        user_id: str,
        *,
        kind: str | None = None,
        include_superseded: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Memory]:
        params: dict[str, Any] = {"include_superseded": include_superseded, "limit": limit, "offset": offset}
        if kind is not None:
            params["kind"] = kind
        found = self.json("GET", f"/v1/users/{_user(user_id)}/memories/list", params=params)
        return [Memory.model_validate(m) for m in found["data"]]

    def delete(self, user_id: str, memory_id: str) -> None:
        from urllib.parse import quote

        self.request("DELETE", f"/v1/users/{_user(user_id)}/memories/{quote(memory_id, safe='')}")

    def forget(self, user_id: str) -> int:
        return int(self.json("DELETE", f"/v1/users/{_user(user_id)}/memories")["deleted"])

    def export(self, user_id: str) -> str:
        return self.request("GET", f"/v1/users/{_user(user_id)}/memories/export").text

    def import_records(self, user_id: str, records: str) -> int:
        content = records.encode("utf-8")
        path = f"/v1/users/{_user(user_id)}/memories/import"
        headers = {"Content-Type": "application/x-ndjson"}
        return int(self.json("POST", path, content=content, headers=headers)["imported"])


class RemoteAssistant(_Client):
    """The ``Assistant`` methods ``rapport chat``, ``profile``, ``backup`` and ``restore`` use, over HTTP."""

    def stream(self, user_id: str, message: str, *, thread_id: str | None = None) -> Iterator[StreamEvent]:
        """The turn as the assistant's own events, read from the server's OpenAI-style stream."""
        import httpx

        headers = {"X-Rapport-Thread": thread_id} if thread_id else {}
        body = {"model": "rapport", "user": user_id, "stream": True, "messages": [{"role": "user", "content": message}]}
        try:
            yield from self._stream_events(body, headers, thread_id)
        except httpx.HTTPError as error:
            raise _lost(self.url, error) from None

    def _stream_events(
        self, body: dict[str, Any], headers: dict[str, str], thread_id: str | None
    ) -> Iterator[StreamEvent]:
        from agent.types import Reply, StreamEvent

        text: list[str] = []
        with self.http.stream("POST", "/v1/chat/completions", json=body, headers=headers) as response:
            if response.status_code >= 400:
                response.read()
                raise _error(response)
            for line in response.iter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                chunk = json.loads(line[len("data: ") :])
                if "error" in chunk:
                    raise RapportError(chunk["error"].get("message", "the server failed"))
                extra = chunk.get("rapport") or {}
                delta = chunk["choices"][0]["delta"] if chunk.get("choices") else {}
                if "recalled" in extra:
                    memories = [Memory.model_validate(m) for m in extra["recalled"]]
                    yield StreamEvent(type="recalled", memories=memories)
                if "tool" in extra:
                    yield StreamEvent(type="tool", tool=extra["tool"])
                if delta.get("content"):
                    text.append(delta["content"])
                    yield StreamEvent(type="token", text=delta["content"])
                if chunk.get("choices") and chunk["choices"][0].get("finish_reason"):
                    reply = Reply(text="".join(text), thread_id=extra.get("thread_id") or thread_id or "default")
                    yield StreamEvent(type="done", text=reply.text, reply=reply)

    def memories(self, user_id: str, query: str | None = None, *, k: int = 10) -> list[Memory]:
        params: dict[str, Any] = {"k": k} if query is None else {"k": k, "query": query}
        found = self.json("GET", f"/v1/users/{_user(user_id)}/memories", params=params)
        return [Memory.model_validate(m) for m in found["data"]]

    def recommend(
        self, user_id: str, *, query: str | None = None, k: int = 10, filters: Filters | None = None
    ) -> list[Recommendation]:
        """The server's recommendations, as ``Assistant.recommend`` gives them."""
        from tools.recommend import Recommendation

        body: dict[str, Any] = {"query": query, "k": k}
        if filters is not None:
            body |= filters.model_dump(exclude_none=True, exclude_defaults=True)
        found = self.json("POST", f"/v1/users/{_user(user_id)}/recommendations", json=body)
        return [Recommendation.model_validate(pick) for pick in found["data"]]

    def profile(self, user_id: str, *, refresh: bool = False) -> Profile:
        from memory.profile import Profile

        if refresh:
            found = self.json("POST", f"/v1/users/{_user(user_id)}/profile/rebuild")
        else:
            found = self.json("GET", f"/v1/users/{_user(user_id)}/profile")
        return Profile.model_validate(found)

    def forget(self, user_id: str) -> int:
        return int(self.json("DELETE", f"/v1/users/{_user(user_id)}/memories")["deleted"])

    def flush(self, timeout: float | None = 30.0) -> None:
        """Wait until the server's outbox has written every acknowledged turn (it has them all already)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.json("GET", "/v1/outbox")["pending"] and (deadline is None or time.monotonic() < deadline):
            time.sleep(0.1)

    def backup(self, out: Path) -> None:
        """Stream the server's consistent backup into ``out`` (written whole, then renamed into place)."""
        import httpx

        from agent.backup import WRITABLE

        temporary = out.with_name(f".{out.name}.part")
        try:
            with self.http.stream("GET", "/v1/backup") as response:
                if response.status_code >= 400:
                    response.read()
                    raise _error(response)
                with temporary.open("wb") as file:
                    for chunk in response.iter_bytes():
                        file.write(chunk)
            temporary.replace(out)
        except OSError as error:
            raise InvalidInputError("--out", f"cannot write {out}: {error.strerror or error}", WRITABLE) from None
        except httpx.HTTPError as error:
            raise _lost(self.url, error) from None
        finally:
            temporary.unlink(missing_ok=True)

    def restore(self, path: Path) -> dict[str, Any]:
        with path.open("rb") as file:
            return self.json("POST", "/v1/restore", content=file, headers={"Content-Type": "application/gzip"})

    def __enter__(self) -> RemoteAssistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
