"""Routes that let other ``rapport`` commands work on a data dir that this server owns.

Why: an embedded store has one owner process. While ``rapport serve`` owns the data dir, the
``rapport memory``, ``profile``, ``chat``, ``backup`` and ``restore`` commands send their work here
(``agent.access``) instead of opening the store themselves. Each route is scoped by the user id in
its path, like the rest of the API, and keeps the semantics of the command it serves (``memory add``
stores the text as given; ``POST /memories`` reconciles it).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict
from starlette.background import BackgroundTask

from memory.errors import InvalidInputError

from .schemas import memory_json

MAX_UPLOAD_BYTES = 2 * 1024**3


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
        text = await _text_body(request)
        from starlette.concurrency import run_in_threadpool

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
        from starlette.concurrency import run_in_threadpool

        from agent.backup import restore_backup

        folder = Path(tempfile.mkdtemp(prefix="rapport-restore-"))
        path = folder / "upload.backup"
        try:
            size = 0
            with path.open("wb") as upload:
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > MAX_UPLOAD_BYTES:
                        raise InvalidInputError("body", f"is over {MAX_UPLOAD_BYTES} bytes", "restore a smaller file")
                    upload.write(chunk)
            summary = await run_in_threadpool(restore_backup, assistant, path)
        finally:
            _remove(folder)
        return summary.model_dump()

    return router


async def _text_body(request: Request) -> str:
    body = await request.body()
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError("body", "is not UTF-8 text", "send the JSON Lines written by export") from None


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
