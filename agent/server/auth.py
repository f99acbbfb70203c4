"""Who may call the server and as whom: nobody but this machine without keys; with keys, each key acts as its user."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass

from fastapi import Request
from starlette.exceptions import HTTPException

from agent.keys import KeyStore
from memory.errors import InvalidInputError


def is_loopback(host: str) -> bool:
    """True only for addresses that other machines cannot reach (``0.0.0.0`` and host names are not)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, admin_key: str | None) -> None:
    """Refuse to listen beyond loopback without an admin key: the server exposes every user's memories."""
    if not is_loopback(host) and not (admin_key or "").strip():
        raise InvalidInputError(
            "--host",
            f"{host} is reachable from other machines and no admin key is set",
            "set RAPPORT_ADMIN_KEY to a long random secret, or serve on 127.0.0.1",
        )


# Routes a user key may call although they name no user id: the chat (it acts as the key's user),
# who the key is, and what any client may read. Every other route without ``{user_id}`` (backup,
# restore, the outbox, the list of users) is for the admin key only: a new route is denied to user
# keys until it names its user or is added here.
USER_KEY_ROUTES = frozenset({"/v1/chat/completions", "/v1/me", "/v1/models", "/health"})


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: ``user`` for a user key, None for the admin key or a keyless laptop server."""

    user: str | None
    admin: bool

    def as_user(self, named: str | None) -> str | None:
        """The user a request may act as when it names ``named`` (None: it names nobody); 403 otherwise."""
        if self.user is None:
            return named
        if named is not None and named != self.user:
            raise HTTPException(403, f"this key acts only as user {self.user!r}")
        return self.user


def access_guard(admin_key: str | None, keys: KeyStore | None):  # -> a FastAPI dependency
    """A dependency that finds who a request acts as and refuses what that principal may not do.

    Without an admin key and without any active user key (one person on a laptop, loopback only)
    every request acts as admin. Otherwise a request needs ``Authorization: Bearer <key>``: the admin
    key (compared in constant time) acts as anyone; a user key only on routes naming its own user id
    and on ``USER_KEY_ROUTES``. Keys are never logged.
    """
    expected = admin_key.strip().encode() if admin_key and admin_key.strip() else None

    def require_access(request: Request) -> Principal:
        principal = _authenticate(request, expected, keys)
        request.state.principal = principal
        if principal.user is not None:
            named = request.path_params.get("user_id")
            if named is not None:
                principal.as_user(named)
            elif getattr(request.scope.get("route"), "path", None) not in USER_KEY_ROUTES:
                raise HTTPException(403, "this route needs the admin key (RAPPORT_ADMIN_KEY)")
        return principal

    return require_access


def _authenticate(request: Request, admin_key: bytes | None, keys: KeyStore | None) -> Principal:
    keyed = admin_key is not None or (keys is not None and keys.any_active())
    if not keyed:
        return Principal(user=None, admin=True)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        if admin_key is not None and secrets.compare_digest(token.encode(), admin_key):
            return Principal(user=None, admin=True)
        user = keys.user_of(token) if keys is not None else None
        if user is not None:
            return Principal(user=user, admin=False)
    raise HTTPException(401, "missing or wrong API key: send `Authorization: Bearer <your key>`")
