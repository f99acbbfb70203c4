"""Who may call the server: nobody but this machine without a key, anyone with the bearer key otherwise."""

from __future__ import annotations

import ipaddress
import secrets

from fastapi import Request
from starlette.exceptions import HTTPException

from memory.errors import InvalidInputError


def is_loopback(host: str) -> bool:
    """True only for addresses that other machines cannot reach (``0.0.0.0`` and host names are not)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, api_key: str | None) -> None:
    """Refuse to listen beyond loopback without a key: the server exposes every user's memories."""
    if not is_loopback(host) and not (api_key or "").strip():
        raise InvalidInputError(
            "--host",
            f"{host} is reachable from other machines and no API key is set",
            "set RAPPORT_API_KEY to a long random secret, or serve on 127.0.0.1",
        )


def bearer_guard(api_key: str):  # -> a FastAPI dependency
    """A dependency that accepts only ``Authorization: Bearer <api_key>`` (compared in constant time)."""
    expected = api_key.strip().encode()

    def require_key(request: Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip().encode(), expected):
            raise HTTPException(401, "missing or wrong API key: send `Authorization: Bearer $RAPPORT_API_KEY`")

    return require_key
