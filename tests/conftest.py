"""Shared fixtures: heavy things (the embedder, a Chroma server) load once per test session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from memory import MemoryStore  # noqa: E402
from memory.embedder import Embedder, get_embedder  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium for the whole session (the page's tests and the security suite's attack
    page): Playwright's sync API allows one instance per thread."""
    reason = "the browser tests need the test extras: bash setup.sh"
    sync_api = pytest.importorskip("playwright.sync_api", reason=reason)
    from tests.page.support import launch_chromium

    sync_api.expect.set_options(timeout=20_000)
    with sync_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return get_embedder()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``chroma run`` on a free loopback port, for the whole session."""
    executable = shutil.which("chroma")
    if executable is None:
        pytest.skip("the `chroma` command is missing: install chromadb (bash setup.sh) to run server-mode tests")
    port = free_port()
    folder = tmp_path_factory.mktemp("chroma-server")
    log = open(folder / "server.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [executable, "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log_tail = (folder / "server.log").read_text()[-2000:]
                raise RuntimeError(f"chroma server did not start: {log_tail}") from None
            time.sleep(0.2)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def store(request: pytest.FixtureRequest, tmp_path: Path, embedder: Embedder) -> Iterator[MemoryStore]:
    """A fresh store: embedded Chroma in a tmp folder, or a real Chroma server (emptied afterwards)."""
    if request.param == "embedded":
        memory_store = MemoryStore(path=tmp_path / "chroma", embedder=embedder)
    else:
        memory_store = MemoryStore(url=request.getfixturevalue("chroma_server"), embedder=embedder)
    yield memory_store
    if request.param == "server":
        for user_id in memory_store.users():
            memory_store.forget(user_id)
    memory_store.close()


@pytest.fixture(scope="session")
def local_model():  # -> agent.llm.local.LocalModel; imported lazily so fast tests never load llama.cpp
    """The embedded chat model, loaded once per session; a small context keeps overflow tests quick."""
    from agent.llm.local import LocalModel
    from agent.settings import Settings

    model = LocalModel(cache_dir=Settings().cache_dir, n_ctx=1024)
    model.load()
    return model


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL on a free loopback port, for the whole session."""
    from tests.postgres_server import postgres_binaries, running_postgres

    if postgres_binaries() is None:
        pytest.skip("PostgreSQL is not installed (no initdb): run `bash setup.sh`, which installs Debian's postgresql")
    with running_postgres() as server:
        yield server.url
