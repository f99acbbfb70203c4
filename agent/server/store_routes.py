"""Routes that let other ``rapport`` commands work on a data dir that this server owns.

Why: an embedded store has one owner process. While ``rapport serve`` owns the data dir, the
``rapport memory``, ``profile``, ``chat``, ``backup`` and ``restore`` commands send their work here
(``agent.access``) instead of opening the store themselves. Each route is scoped by the user id in
its path, like the rest of the API, and keeps the semantics of the command it serves (``memory add``
stores the text as given; ``POST /memories`` reconciles it).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from memory.errors import InvalidInputError

from .schemas import memory_json


class VerbatimMemoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    kind: str = "fact"


def store_router(assistant: Any) -> APIRouter:
    """Routes over ``assistant`` (an ``agent.Assistant``): raw store access, import/export, backup/restore."""
    router = APIRouter()

    @router.post("/v1/users/{user_id}/memories/verbatim", status_code=201)
    def add_verbatim(user_id: str, body: VerbatimMemoryIn) -> dict[str, Any]:
        return memory_json(assistant.store.add(user_id, body.text, kind=body.kind))

    @router.get("/v1/users/{user_id}/memories/search")
    def search(
        user_id: str, query: str, k: int = Query(default=10), mode: str = Query(default="hybrid")
    ) -> dict[str, Any]:
        hits = assistant.store.search(user_id, query, k=k, mode=mode)
        return {"object": "list", "data": [hit.model_dump(mode="json") for hit in hits]}

    @router.get("/v1/users/{user_id}/memories/list")
    def listing(
        user_id: str,
        kind: str | None = None,
        include_superseded: bool = False,
        limit: int = Query(default=100),
        offset: int = Query(default=0),
    ) -> dict[str, Any]:
        found = assistant.store.list(
            user_id, kind=kind, include_superseded=include_superseded, limit=limit, offset=offset
        )
        return {"object": "list", "data": [memory_json(m) for m in found]}

    @router.get("/v1/users/{user_id}/memories/export")
    def export(user_id: str) -> PlainTextResponse:
        return PlainTextResponse(assistant.store.export(user_id), media_type="application/x-ndjson")

    @router.post("/v1/users/{user_id}/memories/import")
    async def import_records(user_id: str, request: Request) -> dict[str, Any]:
        """JSON Lines as ``export`` writes them (``Content-Type: application/x-ndjson``), all or nothing."""
        with _temporary_folder() as folder:
            path = await _receive_upload(request, folder)
            text = await run_in_threadpool(_text_of, path)
            return {"imported": await run_in_threadpool(assistant.import_memories, user_id, text)}

    @router.get("/v1/outbox")
    def outbox() -> dict[str, Any]:
        """Acknowledged work not yet written (``pending``), finished in the last day, and set aside."""
        return {"object": "outbox", **assistant.outbox.counts()}

    @router.get("/v1/backup")
    def backup() -> FileResponse:
        from agent.backup import write_backup

        folder = Path(tempfile.mkdtemp(prefix="rapport-backup-"))
        path = folder / "rapport.backup"
        write_backup(assistant, path)
        cleanup = BackgroundTask(_remove, folder)
        return FileResponse(path, media_type="application/gzip", filename="rapport.backup", background=cleanup)

    @router.post("/v1/restore")
    async def restore(request: Request) -> dict[str, Any]:
        """A file written by ``rapport backup`` (``Content-Type: application/gzip``), validated whole first."""
        from agent.backup import restore_backup

        with _temporary_folder() as folder:
            path = await _receive_upload(request, folder)
            summary = await run_in_threadpool(partial(restore_backup, label="body"), assistant, path)
        return summary.model_dump()

    return router


@contextmanager
def _temporary_folder() -> Iterator[Path]:
    """A private folder for one upload, removed with everything in it afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="rapport-upload-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _receive_upload(request: Request, folder: Path) -> Path:
    """The request body streamed to a file in ``folder`` (the guard caps its size while it streams)."""
    path = folder / "upload"
    with path.open("wb") as upload:
        async for chunk in request.stream():
            upload.write(chunk)
    return path


def _text_of(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError("body", "is not UTF-8 text", "send the JSON Lines written by export") from None


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
