"""What every request must pass before a route sees it: the host, the origin, the body's type and size.

Why here and not in each route: a browser is a client too. Any page the user opens can send a
"simple" cross-origin POST (``text/plain``, no preflight) to a server on loopback, and a DNS
rebinding page can do it under its own host name. So, for every route:

- a server without a key answers only loopback ``Host`` names;
- a request that can change state (POST, PUT, PATCH, DELETE) from a browser must come from the
  server's own origin (``Origin`` and ``Sec-Fetch-Site``), and its body must have a type a simple
  cross-origin request cannot send (``application/json``, or the raw type of an upload route);
- a body over its limit is refused with 413 before it is read whole (uploads are streamed and
  counted); JSON text must be valid Unicode without NULs, named by its field.

Answers are OpenAI error objects, like every other failure of the API.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from memory.errors import PayloadTooLargeError

from .auth import is_loopback
from .errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_TYPES = ("application/json",)
# Routes whose body is a file, not JSON: the path's ending -> the content types it accepts. None of
# them is one a browser may send cross-origin without asking first.
UPLOAD_TYPES: dict[str, tuple[str, ...]] = {
    "/v1/restore": ("application/gzip", "application/octet-stream"),
    "/memories/import": ("application/x-ndjson", "application/jsonl"),
}
SECURITY_HEADERS = {
    # The page runs only its own files: nothing inline, nothing from elsewhere (memories and replies are
    # text written by people and a model; a strict policy keeps any of it from ever running as code).
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


@dataclass(frozen=True)
class Limits:
    """Body sizes the server reads, in bytes (``RAPPORT_MAX_BODY_BYTES``, ``RAPPORT_MAX_UPLOAD_BYTES``)."""

    body_bytes: int = 1024 * 1024
    upload_bytes: int = 512 * 1024 * 1024


@dataclass(frozen=True)
class RequestGuard:
    """ASGI middleware enforcing the rules in the module docstring; ``keyed`` when a bearer key is required."""

    app: ASGIApp
    keyed: bool = False
    limits: Limits = field(default_factory=Limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        headers = _headers(scope)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await _respond(send, *refusal)
            return
        upload = _upload_types(scope["path"])
        if upload is not None:
            await self.app(scope, _counted(receive, self.limits.upload_bytes), send)
            return
        body = await _read_body(receive, self.limits.body_bytes)
        if body is None:
            await _respond(send, 413, _too_large(self.limits.body_bytes), "body", "request_too_large")
            return
        problem = _bad_json_text(body) if body and _media_type(headers) in JSON_TYPES else None
        if problem is not None:
            await _respond(send, 400, problem[1], problem[0], None)
            return
        await self.app(scope, _replay(body, receive), send)

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str, str | None, str] | None:
        host = headers.get("host", "")
        if not self.keyed and not is_loopback(_host_name(host)):
            return (
                403,
                f"this server has no key and answers only loopback host names, not {host!r}",
                "Host",
                ("host_not_allowed"),
            )
        problem = _bad_query(scope.get("query_string", b""))
        if problem is not None:
            return 400, problem[1], problem[0], "invalid_text"
        method = scope["method"]
        if method not in UNSAFE_METHODS:
            return None
        if not _same_origin(headers, host):
            return 403, "cross-site requests may not change anything here", "Origin", "cross_origin"
        declared = headers.get("content-length")
        has_body = bool(declared and declared != "0") or "transfer-encoding" in headers
        accepted = _upload_types(scope["path"]) or JSON_TYPES
        if has_body and _media_type(headers) not in accepted:
            fix = f"send the body as {' or '.join(accepted)}"
            return 415, f"Content-Type {_media_type(headers) or 'missing'}: {fix}", "Content-Type", "unsupported_media"
        limit = self.limits.upload_bytes if _upload_types(scope["path"]) else self.limits.body_bytes
        if declared and declared.isdigit() and int(declared) > limit:
            return 413, _too_large(limit), "body", "request_too_large"
        return None


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}


def _media_type(headers: dict[str, str]) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


def _upload_types(path: str) -> tuple[str, ...] | None:
    return next((types for ending, types in UPLOAD_TYPES.items() if path.endswith(ending)), None)


def _host_name(host: str) -> str:
    """``127.0.0.1:8000`` -> ``127.0.0.1``; ``[::1]:8000`` -> ``::1``."""
    return urlsplit(f"//{host}").hostname or ""


def _same_origin(headers: dict[str, str], host: str) -> bool:
    """No browser marks, or marks that say the request comes from this server's own page."""
    if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = headers.get("origin")
    if origin is None:
        return True  # not a browser (curl, the openai client, rapport's own commands)
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and _netloc(parts.netloc, parts.scheme) == _netloc(host, parts.scheme)


def _netloc(netloc: str, scheme: str) -> str:
    default = ":443" if scheme == "https" else ":80"
    netloc = netloc.lower()
    return netloc.removesuffix(default) if netloc.endswith(default) else netloc


def _too_large(limit: int) -> str:
    return f"the body is over {limit} bytes: send less, or raise the server's limit (RAPPORT_MAX_*_BYTES)"


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes ``limit`` (the rest is never buffered)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The buffered body once, then the connection's own messages (a disconnect when the client goes)."""
    sent = False

    async def replaying() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replaying


def _counted(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises ``PayloadTooLargeError`` (a 413) once the streamed body passes ``limit``."""
    size = 0

    async def counting() -> Message:
        nonlocal size
        message = await receive()
        size += len(message.get("body", b""))
        if size > limit:
            raise PayloadTooLargeError("body", _too_large(limit))
        return message

    return counting


def _bad_query(query: bytes) -> tuple[str, str] | None:
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", ""), "contains a NUL character: remove it"
    return None


def _bad_json_text(body: bytes) -> tuple[str, str] | None:
    """(field, message) for the first string that is not valid Unicode or holds a NUL; None if all are fine."""
    try:
        document = json.loads(body)
    except ValueError:
        return None  # not JSON at all: the route's validation names it
    return _first_bad_string(document, [])


def _first_bad_string(value: Any, path: list[str]) -> tuple[str, str] | None:
    if isinstance(value, str):
        return _text_problem(value, path)
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        where = [*path, str(key)]
        problem = (_text_problem(key, where) if isinstance(key, str) else None) or _first_bad_string(item, where)
        if problem is not None:
            return problem
    return None


def _text_problem(text: str, path: list[str]) -> tuple[str, str] | None:
    where = ".".join(path) or "body"
    if "\x00" in text:
        return where, f"{where}: contains a NUL character: remove it"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return where, f"{where}: is not valid Unicode (a lone surrogate escape such as \\ud800): send valid UTF-8 text"
    return None


async def _respond(send: Send, status: int, message: str, param: str | None, code: str | None) -> None:
    body = json.dumps(error_body(message, param=param, code=code), separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _with_headers(send: Send) -> Send:
    """``send`` that adds the security headers to every response (the page's files and errors alike)."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in present]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending
