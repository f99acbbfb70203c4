"""The HTTP API: OpenAI-compatible chat for any client or chat UI, plus per-user memories and profiles.

The app only translates HTTP to ``Assistant`` calls and back; everything a user can get wrong is
checked by the assistant or here and answered as an OpenAI error object (see ``errors.py``).
Handlers are plain functions: FastAPI runs them in its thread pool, so a slow model never blocks
the event loop.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any, Protocol

from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from agent.keys import KeyStore
from memory.errors import InvalidInputError, RapportError
from memory.records import check_identifier

from .auth import Principal, access_guard
from .errors import error_body, install_error_handlers, rapport_error_status
from .guard import Limits, RequestGuard
from .key_routes import key_router
from .pump import ThreadPump
from .schemas import ChatCompletionRequest, NewMemoryIn, chat_chunk, chat_completion, completion_id, memory_json
from .schemas import model_list as model_list_body
from .store_routes import store_router
from .ui import install_ui
from .user_api import memory_view, user_data_router

log = logging.getLogger(__name__)


class AssistantAPI(Protocol):
    """The part of ``agent.Assistant`` the server uses."""

    def chat(self, user_id: str, message: str, *, thread_id: str | None = None) -> Any: ...
    def stream(self, user_id: str, message: str, *, thread_id: str | None = None) -> Iterator[Any]: ...
    def remember(self, user_id: str, text: str) -> Any: ...
    def memories(
        self, user_id: str, query: str | None = None, *, k: int = 10, kind: str | None = None, status: str = "current"
    ) -> list[Any]: ...
    def forget_memory(self, user_id: str, memory_id: str) -> None: ...
    def profile(self, user_id: str) -> Any: ...
    def forget(self, user_id: str) -> int: ...


def pick_user(body_user: str | None, header_user: str | None, principal: Principal) -> str:
    """The request's ``user`` field, else the ``X-Rapport-User`` header, else the user key's user.

    With a user key naming anyone else is 403; without one, someone must be named.
    """
    named = None
    if body_user is not None:
        if not body_user.strip():
            raise InvalidInputError("user", "must not be empty")
        named = body_user
    elif header_user is not None and header_user.strip():
        named = header_user
    user = principal.as_user(named)
    if user is None:
        raise InvalidInputError("user", "no user given", "set the request's `user` field or the X-Rapport-User header")
    return user


def pick_thread(header_thread: str | None) -> str | None:
    """The ``X-Rapport-Thread`` header; none means the assistant's default thread for that user."""
    if header_thread is None:
        return None
    return check_identifier(header_thread.strip(), "X-Rapport-Thread")


def sse(data: dict[str, Any] | str) -> str:
    return f"data: {data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)}\n\n"


def stream_chunks(first: Any, events: Iterator[Any], *, model: str, thread_id: str | None) -> Iterator[str]:
    """Assistant stream events as OpenAI ``chat.completion.chunk`` events, ending with ``[DONE]``.

    Recalled memories and tool calls ride along in a ``rapport`` field that OpenAI clients ignore.
    A failure after the stream started cannot change the status code any more: it is sent as an
    OpenAI error event, which the ``openai`` client raises as an ``APIError``.
    """
    chunk_id = completion_id()
    yield sse(chat_chunk(chunk_id, model, {"role": "assistant", "content": ""}))
    try:
        event: Any = first
        while event is not None:
            if event.type == "recalled":
                extra = {"recalled": [memory_json(m) for m in event.memories]}
                yield sse(chat_chunk(chunk_id, model, {}, extra=extra))
            elif event.type == "tool":
                tool = getattr(event, "tool", None) or {"text": event.text}
                yield sse(chat_chunk(chunk_id, model, {}, extra={"tool": tool}))
            elif event.type == "token" and event.text:
                yield sse(chat_chunk(chunk_id, model, {"content": event.text}))
            elif event.type == "done":
                extra = {"thread_id": thread_id}
                if event.reply is not None:
                    reply = event.reply
                    extra = {"thread_id": getattr(reply, "thread_id", thread_id), "timings": dict(reply.timings)}
                yield sse(chat_chunk(chunk_id, model, {}, finish_reason="stop", extra=extra))
            event = next(events, None)
    except RapportError as error:
        status, fields = rapport_error_status(error)
        log.warning("stream failed (%s): %s", status, error)
        yield sse(error_body(str(error), **fields))
    except Exception as error:  # noqa: BLE001 - the client gets a clean error event; the log keeps the trace
        log.exception("stream failed", exc_info=error)
        yield sse(error_body("internal error: see the server log", kind="server_error"))
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()
    yield sse("[DONE]")


def create_app(
    assistant: AssistantAPI,
    *,
    admin_key: str | None = None,
    keys: KeyStore | None = None,
    limits: Limits | None = None,
) -> FastAPI:
    """The ASGI app over ``assistant``; with an admin key or user keys every route needs a bearer key.

    Every request passes ``RequestGuard`` first (host, origin, body type and size), then
    ``access_guard`` (who it acts as; a user key only as its user). The API's schema is at
    ``/v1/openapi.json``, behind the key like the API; no docs page (it would load from a CDN).
    """
    keyed = bool(admin_key and admin_key.strip()) or (keys is not None and keys.any_active())
    app = FastAPI(
        title="Rapport",
        version="0.1.0",
        dependencies=[Depends(access_guard(admin_key, keys))],
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.add_middleware(RequestGuard, keyed=keyed, limits=limits or Limits())
    install_error_handlers(app)
    app.include_router(store_router(assistant))  # first: its literal paths win over /memories/{memory_id}
    started = int(time.time())

    @app.get("/v1/me")
    def me(http: Request) -> dict[str, Any]:
        """Who the request's key acts as: the page signs in with a key alone and learns its user here."""
        principal: Principal = http.state.principal
        return {"object": "principal", "user": principal.user, "admin": principal.admin}

    @app.get("/v1/models")
    def list_models() -> dict[str, Any]:
        return model_list_body(started)

    @app.post("/v1/chat/completions", response_model=None)
    def chat_completions(
        request: ChatCompletionRequest,
        http: Request,
        x_rapport_user: str | None = Header(default=None),
        x_rapport_thread: str | None = Header(default=None),
    ) -> dict[str, Any] | StreamingResponse:
        user_id = pick_user(request.user, x_rapport_user, http.state.principal)
        thread_id = pick_thread(x_rapport_thread)
        turn = request.turn()
        if not request.stream:  # the Assistant runs one turn at a time per conversation
            reply = assistant.chat(user_id, turn, thread_id=thread_id)
            return chat_completion(reply, model=request.model, thread_id=thread_id)

        events = ThreadPump(assistant.stream(user_id, turn, thread_id=thread_id))
        first = next(events, None)  # bad input raises here, while a 4xx status can still be sent
        return StreamingResponse(
            stream_chunks(first, events, model=request.model, thread_id=thread_id),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache"},
        )

    @app.get("/v1/users/{user_id}/memories")
    def list_memories(
        user_id: str,
        query: str | None = Query(default=None),
        k: int = Query(default=10, ge=1, le=1000),
        kind: str | None = Query(default=None),
        status: str = Query(default="current", description="current, replaced or all"),
    ) -> dict[str, Any]:
        found = assistant.memories(user_id, query=query, k=k, kind=kind, status=status)
        return {"object": "list", "data": [memory_view(assistant, user_id, m) for m in found]}

    @app.post("/v1/users/{user_id}/memories", status_code=201)
    def add_memory(user_id: str, body: NewMemoryIn) -> dict[str, Any]:
        return memory_json(assistant.remember(user_id, body.text))

    @app.delete("/v1/users/{user_id}/memories/{memory_id}")
    def delete_memory(user_id: str, memory_id: str) -> dict[str, Any]:
        assistant.forget_memory(user_id, memory_id)
        return {"id": memory_id, "object": "memory", "deleted": True}

    @app.delete("/v1/users/{user_id}/memories")
    def forget_user(user_id: str) -> dict[str, Any]:
        return {"user_id": user_id, "object": "user", "deleted": assistant.forget(user_id)}

    @app.get("/v1/users/{user_id}/profile")
    def get_profile(user_id: str) -> dict[str, Any]:
        return assistant.profile(user_id).model_dump(mode="json")

    @app.get("/v1/openapi.json", include_in_schema=False)
    def openapi() -> dict[str, Any]:
        return app.openapi()

    @app.get("/health", include_in_schema=False)
    def health() -> Response:
        return Response(status_code=204)

    app.include_router(user_data_router(assistant))  # type: ignore[arg-type]  # threads, edits, recommendations
    if keys is not None:
        app.include_router(key_router(keys))
    install_ui(app)  # the page at `/`
    return app
