"""``rapport model pull`` against a real HTTP file server on loopback that answers like the Hugging Face hub.

The pull runs as the real CLI in a child process with ``HF_ENDPOINT`` at the loopback server and a
socket guard that refuses every connection not to loopback: nothing can reach outside.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agent.llm.models import spec_for
from tests.conftest import free_port
from tests.gguf_files import gguf_bytes

REPO_ROOT = Path(__file__).resolve().parents[1]
SPEC = spec_for("qwen2.5-0.5b-instruct")
FILE_URL = f"/{SPEC.repo_id}/resolve/main/{SPEC.filename}"
COMMIT = "a" * 40
GUARDED_CLI = (
    "import socket, sys\n"
    "connect = socket.socket.connect\n"
    "def guarded(self, address):\n"
    "    if isinstance(address, tuple) and address[0] not in ('127.0.0.1', '::1', 'localhost'):\n"
    "        raise OSError(f'test guard: refused a connection to {address}')\n"
    "    return connect(self, address)\n"
    "socket.socket.connect = guarded\n"
    "from agent.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


class FakeHub:
    """What the hub's ``/resolve/`` URLs answer: headers on HEAD, the bytes on GET (ranges too)."""

    def __init__(self) -> None:
        self.body = b""
        self.etag = ""
        self.requests: list[tuple[str, str]] = []

    def serve(self, body: bytes, etag_of: bytes | None = None) -> None:
        self.body = body
        self.etag = hashlib.sha256(body if etag_of is None else etag_of).hexdigest()


@pytest.fixture
def hub() -> Iterator[tuple[FakeHub, str]]:
    state = FakeHub()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _headers(self, status: int, length: int) -> None:
            self.send_response(status)
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("ETag", f'"{state.etag}"')
            self.send_header("Content-Length", str(length))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()

        def _known(self) -> bool:
            state.requests.append((self.command, self.path))
            if self.path.split("?")[0] != FILE_URL:
                self.send_response(404)
                self.send_header("X-Error-Code", "EntryNotFound")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return False
            return True

        def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
            if self._known():
                self._headers(200, len(state.body))

        def do_GET(self) -> None:  # noqa: N802
            if not self._known():
                return
            start = 0
            ranged = self.headers.get("Range", "")
            if ranged.startswith("bytes="):
                start = int(ranged[6:].split("-")[0] or 0)
            chunk = state.body[start:]
            self._headers(206 if start else 200, len(chunk))
            self.wfile.write(chunk)

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def run_cli(tmp_path: Path, endpoint: str, *args: str, offline: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env.update(
        HF_ENDPOINT=endpoint,
        HF_HOME=str(tmp_path / "hf-home"),
        RAPPORT_CACHE_DIR=str(tmp_path / "cache"),
        RAPPORT_DATA_DIR=str(tmp_path / "data"),
    )
    if offline:
        env["HF_HUB_OFFLINE"] = "1"
    return subprocess.run(
        [sys.executable, "-c", GUARDED_CLI, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def installed(tmp_path: Path) -> dict[str, dict[str, object]]:
    record = tmp_path / "cache" / "models" / "installed.json"
    return json.loads(record.read_text()) if record.exists() else {}


def tiny_instruct_gguf() -> bytes:
    return gguf_bytes(
        {
            "general.architecture": "qwen2",
            "general.name": "Qwen2.5 0.5B Instruct (test copy)",
            "tokenizer.chat_template": "{% for m in messages %}{{ m.content }}{% endfor %}",
            "tokenizer.ggml.tokens": [f"t{i}" for i in range(2000)],
        }
    )


def test_pull_downloads_checks_and_records_the_model_then_list_shows_it(hub, tmp_path: Path) -> None:
    state, endpoint = hub
    body = tiny_instruct_gguf()
    state.serve(body)
    done = run_cli(tmp_path, endpoint, "model", "pull", SPEC.name)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"installed {SPEC.name}" in done.stdout
    target = tmp_path / "cache" / "models" / SPEC.filename
    assert target.read_bytes() == body
    entry = installed(tmp_path)[SPEC.name]
    assert entry["sha256"] == hashlib.sha256(body).hexdigest() and entry["size"] == len(body)
    assert entry["revision"] == COMMIT and entry["repo_id"] == SPEC.repo_id
    assert ("GET", FILE_URL) in state.requests and all(path == FILE_URL for _, path in state.requests)
    listed = run_cli(tmp_path, endpoint, "model", "list", "--model", SPEC.name)
    line = next(line for line in listed.stdout.splitlines() if SPEC.name in line and "installed" in line)
    assert line.lstrip().startswith("*") and "chat template" in line


def test_a_transfer_that_does_not_match_the_hubs_hash_is_not_installed(hub, tmp_path: Path) -> None:
    state, endpoint = hub
    body = tiny_instruct_gguf()
    state.serve(body, etag_of=body + b"the real file differs")
    done = run_cli(tmp_path, endpoint, "model", "pull", SPEC.name)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "sha256" in done.stderr and "pull it again" in done.stderr
    assert SPEC.name not in installed(tmp_path)
    assert not (tmp_path / "cache" / "models" / SPEC.filename).exists()
    assert not list((tmp_path / "cache").rglob(SPEC.filename))  # the bad download was removed


def test_a_file_that_is_not_gguf_is_refused(hub, tmp_path: Path) -> None:
    state, endpoint = hub
    state.serve(b"<html>rate limited</html>")
    done = run_cli(tmp_path, endpoint, "model", "pull", SPEC.name)
    assert done.returncode == 2 and "is not a GGUF model file" in done.stderr
    assert SPEC.name not in installed(tmp_path)


def test_offline_pull_fails_at_once_and_says_so(hub, tmp_path: Path) -> None:
    state, endpoint = hub
    state.serve(tiny_instruct_gguf())
    flagged = run_cli(tmp_path, endpoint, "model", "pull", SPEC.name, offline=True)
    assert flagged.returncode == 2 and "offline" in flagged.stderr and "HF_HUB_OFFLINE" in flagged.stderr
    closed = run_cli(tmp_path, f"http://127.0.0.1:{free_port()}", "model", "pull", SPEC.name)
    assert closed.returncode == 2 and "unreachable" in closed.stderr and "offline" in closed.stderr
    assert "Traceback" not in flagged.stderr + closed.stderr
    assert not state.requests  # neither attempt sent a request anywhere
