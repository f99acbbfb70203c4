"""Every failure as OpenAI's error object (``{"error": {"message", "type", "param", "code"}}``), never a traceback.

OpenAI clients parse this shape into their own exceptions, so a chat UI shows our message as is.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from agent.llm.errors import LLMOutputError, ModelUnavailableError
from agent.sql import database_down_errors
from memory.errors import (
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    RapportError,
    StoreUnavailableError,
)

log = logging.getLogger(__name__)


def error_body(
    message: str, *, kind: str = "invalid_request_error", param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """The OpenAI error object; also sent as an SSE event when a stream fails after it started."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def error_response(status: int, message: str, **fields: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(message, **fields), status_code=status, headers=headers)


def rapport_error_status(error: RapportError) -> tuple[int, dict[str, Any]]:
    """HTTP status and error fields for one of our errors: caller mistakes are 4xx, unavailable backends 5xx."""
    if isinstance(error, NotFoundError):
        return 404, {"param": error.field, "code": "not_found"}
    if isinstance(error, PayloadTooLargeError):
        return 413, {"param": error.field, "code": "request_too_large"}
    if isinstance(error, InvalidInputError):
        return 400, {"param": error.field}
    if isinstance(error, ModelUnavailableError | StoreUnavailableError):
        return 503, {"kind": "server_error", "code": "unavailable"}
    if isinstance(error, LLMOutputError):
        return 502, {"kind": "server_error", "code": "model_output"}
    return 400, {}


TYPE_TAGS = {"str", "int", "float", "bool", "list", "dict", "none", "bytes"}


def _location(loc: tuple[Any, ...]) -> str:
    """``("body", "messages", 0, "content", "str")`` -> ``messages.0.content``: the field, not pydantic's union tags."""
    parts = [str(part) for part in loc if not _is_type_tag(part)]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _is_type_tag(part: Any) -> bool:
    return isinstance(part, str) and (part in TYPE_TAGS or "[" in part or "-" in part)


def _where(problem: dict[str, Any]) -> str:
    """The field a problem is about; a body that is not JSON is "body" (pydantic gives its byte offset)."""
    return "body" if problem.get("type") == "json_invalid" else _location(tuple(problem.get("loc", ())))


async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
    problems = error.errors()
    first = problems[0] if problems else {"loc": (), "msg": "invalid request"}
    param = _where(first)
    lines = dict.fromkeys(f"{_where(p)}: {p.get('msg', 'invalid')}" for p in problems)
    message = "; ".join(list(lines)[:5])
    return error_response(400, message or "invalid request", param=param)


async def _http(_: Request, error: HTTPException) -> JSONResponse:
    codes = {401: "invalid_api_key", 403: "permission_denied", 404: "not_found", 405: "method_not_allowed"}
    code = codes.get(error.status_code)
    return error_response(error.status_code, str(error.detail), code=code)


async def _rapport(_: Request, error: RapportError) -> JSONResponse:
    status, fields = rapport_error_status(error)
    return error_response(status, str(error), **fields)


async def _database_down(_: Request, error: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", type(error).__name__)
    message = "the database does not answer (RAPPORT_DATABASE_URL): retry shortly"
    return error_response(503, message, kind="server_error", code="unavailable")


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return error_response(500, "internal error: see the server log", kind="server_error")


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception to the OpenAI error shape."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RapportError, _rapport)
    for error_type in database_down_errors():  # the pool reconnects by itself once the server is back
        app.add_exception_handler(error_type, _database_down)
    app.add_exception_handler(Exception, _unexpected)
