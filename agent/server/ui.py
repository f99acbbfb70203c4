"""The page for people at ``/``: plain HTML, CSS and JavaScript modules shipped as package data.

No build step and nothing from the network. The page and its files are public (they hold no data);
they are plain Starlette routes, outside the API's bearer-key guard, because a browser cannot send a
key when it first opens the page. Everything the page shows comes from the guarded ``/v1`` API,
which the page calls with the key the person typed in.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).with_name("static")
# The security headers (a strict CSP among them) are added to every response by ``guard.RequestGuard``.
PAGE_HEADERS = {"Cache-Control": "no-cache"}


def _page(_: Request) -> Response:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


def _icon(_: Request) -> Response:
    return FileResponse(STATIC_DIR / "icon.svg", media_type="image/svg+xml")


def install_ui(app: FastAPI) -> None:
    """Serve the page at ``/`` and its files under ``/static``."""
    if not (STATIC_DIR / "index.html").is_file():
        raise RuntimeError(f"the page's files are missing from {STATIC_DIR}: reinstall rapport")
    app.add_route("/", _page, methods=["GET", "HEAD"], include_in_schema=False)
    app.add_route("/favicon.ico", _icon, methods=["GET", "HEAD"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
