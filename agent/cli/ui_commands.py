"""``rapport ui``: the page for people, on this machine only; opens a browser when there is one."""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping

READY_TIMEOUT_S = 120.0


def register(*, commands: argparse._SubParsersAction, **_: argparse._SubParsersAction) -> None:
    ui = commands.add_parser(
        "ui",
        help="open the page (chat, memories, profile, recommendations) on http://127.0.0.1:PORT/",
        description=(
            "Starts `rapport serve` on loopback and opens the page in a browser when this machine has one "
            "(a desktop session or $BROWSER); otherwise prints the address to open."
        ),
    )
    ui.add_argument("--port", type=int, default=8000, help="TCP port (default: 8000)")
    ui.add_argument("--no-browser", action="store_true", help="only print the address")
    ui.set_defaults(handler=_ui)


def can_open_browser(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """A browser window can appear: macOS or Windows, a Linux desktop session, or a $BROWSER the user chose.

    Without this check ``webbrowser`` on a server falls back to a console browser that takes over the terminal.
    """
    environ = os.environ if environ is None else environ
    platform = platform or sys.platform
    if environ.get("BROWSER"):
        return True
    if platform == "darwin" or platform.startswith("win"):
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def open_when_ready(url: str, opener: Callable[[str], object], *, timeout_s: float = READY_TIMEOUT_S) -> bool:
    """Wait until the server answers ``/health``, then call ``opener(url)``; False if it never came up."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=2):
                break
        except OSError:
            time.sleep(0.2)
    else:
        return False
    opener(url)
    return True


def _ui(args: argparse.Namespace) -> int:
    import webbrowser

    from agent.server.run import serve

    url = f"http://127.0.0.1:{args.port}/"
    if args.no_browser or not can_open_browser():
        print(f"Open {url} in a browser on this machine.", flush=True)
    else:
        print(f"Opening {url} in your browser.", flush=True)
        threading.Thread(target=open_when_ready, args=(url, webbrowser.open), daemon=True).start()
    serve("127.0.0.1", args.port)
    return 0
