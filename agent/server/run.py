"""``rapport serve``: check that it is safe to listen, open the assistant, and run uvicorn until stopped."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from memory.errors import InvalidInputError

from .auth import check_bind, is_loopback

if TYPE_CHECKING:
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


def serve(host: str = "127.0.0.1", port: int = 8000, *, settings: Settings | None = None) -> None:
    """Serve the OpenAI-compatible API until interrupted; refuses a non-loopback host without ``RAPPORT_API_KEY``."""
    import uvicorn

    from agent.settings import Settings

    settings = settings or Settings()
    if not 0 < port < 65536:
        raise InvalidInputError("--port", f"{port} is not a TCP port", "use 1-65535")
    check_bind(host, settings.api_key)
    check_port_free(host, port)

    from agent import Assistant

    from .app import create_app

    assistant = Assistant.open(settings)
    try:
        app = create_app(assistant, api_key=settings.api_key)
        auth = "bearer key required" if settings.api_key else "no key (loopback only)"
        print(f"Rapport serving an OpenAI-compatible API on http://{host}:{port}/v1 ({auth})", flush=True)
        if not is_loopback(host):
            print("Listening beyond loopback: put TLS in front of it (a reverse proxy) before using it over a network.")
        uvicorn.run(app, host=host.strip("[]"), port=port, log_level="info", timeout_graceful_shutdown=5)
    finally:
        assistant.flush()
        assistant.close()
