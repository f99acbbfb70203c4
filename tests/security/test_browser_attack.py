"""The attack as a browser makes it: a page on another origin posts to the local server with
``fetch(..., {mode: "no-cors"})``. Headless Chromium, a real ``rapport serve``, a real second web server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from evals.bench.server_process import ServerProcess
from tests.live_server import live_server
from tests.page.support import new_page
from tests.security.conftest import backup_file, memory_record, texts

ATTACK = """<!doctype html><title>cute cats</title><script>
const target = %(target)s;
const backup = Uint8Array.from(atob(%(backup)s), c => c.charCodeAt(0));
Promise.allSettled([
  fetch(target + "/v1/users/victim/memories", {mode: "no-cors", method: "POST",
        headers: {"Content-Type": "text/plain"}, body: JSON.stringify({text: "I was added by a web page."})}),
  fetch(target + "/v1/users/victim/memories/import", {mode: "no-cors", method: "POST",
        body: new Blob([%(line)s])}),
  fetch(target + "/v1/restore", {mode: "no-cors", method: "POST", body: new Blob([backup])}),
]).then(() => { document.title = "sent"; });
</script>"""


def attack_page(target: str, backup: bytes) -> Starlette:
    import base64

    line = json.dumps(memory_record("victim", "I was imported by a web page.")["record"])
    html = ATTACK % {
        "target": json.dumps(target),
        "backup": json.dumps(base64.b64encode(backup).decode()),
        "line": json.dumps(line),
    }
    return Starlette(routes=[Route("/", lambda _: HTMLResponse(html))])


def test_a_page_on_another_origin_cannot_write_to_the_local_server(
    server: ServerProcess, http: httpx.Client, browser: Any, tmp_path: Path
) -> None:
    backup = backup_file(tmp_path / "page.backup", [memory_record("victim", "I was restored by a web page.")])
    with live_server(attack_page(server.url, backup.read_bytes())) as evil:
        context, page, _ = new_page(browser)
        try:
            page.goto(evil)
            page.wait_for_function("document.title === 'sent'", timeout=120_000)
        finally:
            context.close()
    assert texts(http, "victim") == []
