"""``rapport serve``: check that it is safe to listen, open the assistant, and run uvicorn until stopped."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from memory.errors import InvalidInputError

from .auth import check_bind, is_loopback

if TYPE_CHECKING:
    from agent.llm.base import ChatModel
    from agent.settings import Settings


def check_port_free(host: str, port: int) -> None:
    """Fail with a message instead of uvicorn's exit when the address is taken (checked before loading models)."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as error:
            raise InvalidInputError(
                "--port",
                f"cannot listen on {host}:{port} ({error.strerror})",
                "pick another --port or stop the other server",
            ) from None


def serve(
    host: str = "127.0.0.1", port: int = 8000, *, settings: Settings | None = None, chat_model: ChatModel | None = None
) -> None:
    """Serve the OpenAI-compatible API until interrupted; refuses a non-loopback host without ``RAPPORT_ADMIN_KEY``.

    While it runs it owns the data dir and says so beside the lock (URL and PID), so other ``rapport``
    commands go through it; on shutdown it finishes writing every acknowledged turn first.
    """
    import uvicorn

    from agent.settings import Settings

    settings = settings or Settings()
    if not 0 < port < 65536:
        raise InvalidInputError("--port", f"{port} is not a TCP port", "use 1-65535")
    check_bind(host, settings.server_admin_key)
    check_port_free(host, port)

    from agent import Assistant
    from agent.keys import KeyStore
    from memory.ownership import announce_server, withdraw_server

    from .app import create_app
    from .guard import Limits

    assistant = Assistant.open(settings, chat_model=chat_model)  # takes the data dir, or names its owner
    keys = KeyStore.open(settings.data_dir.expanduser(), settings.database_url)
    announce_server(settings.data_dir, f"http://{client_host(host)}:{port}")
    try:
        limits = Limits(body_bytes=settings.max_body_bytes, upload_bytes=settings.max_upload_bytes)
        app = create_app(assistant, admin_key=settings.server_admin_key, keys=keys, limits=limits)
        keyed = settings.server_admin_key or keys.any_active()
        auth = "bearer key required" if keyed else "no key (loopback only)"
        print(f"Rapport serving an OpenAI-compatible API on http://{host}:{port}/v1 ({auth})", flush=True)
        if not is_loopback(host):
            print("Listening beyond loopback: put TLS in front of it (a reverse proxy) before using it over a network.")
        uvicorn.run(app, host=host.strip("[]"), port=port, log_level="info", timeout_graceful_shutdown=5)
    finally:
        withdraw_server(settings.data_dir)
        keys.close()
        try:
            assistant.flush()  # every acknowledged turn is written before the data dir is let go
        finally:
            assistant.close()


def client_host(host: str) -> str:
    """Where a local client reaches a server listening on ``host`` (a wildcard address means loopback)."""
    bare = host.strip("[]")
    if bare in ("0.0.0.0", ""):
        return "127.0.0.1"
    if bare == "::":
        return "[::1]"
    return f"[{bare}]" if ":" in bare else bare
