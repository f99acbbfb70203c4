"""Helpers for the page's tests: a scripted assistant with a small real catalog, and the system Chromium.

The scripted chat model stands in for an LLM (tests only); everything else is real: Chroma on disk,
MiniLM embeddings, the LangGraph agent, uvicorn, and Debian's Chromium driven by Playwright.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent import Assistant, Settings
from agent.llm.base import Message
from tests.recsys_data import write_movielens
from tests.scripted_model import ScriptedModel
from tools.items import load_movielens_items

NOTE = re.compile(r"^- (.+)$", re.MULTILINE)


def scripted_reply(messages: Sequence[Message]) -> str:
    """Replies "You said: ..."; a profile-summary prompt gets its own notes back (so edits show up in it)."""
    last = messages[-1].content
    if last.rstrip().endswith("Summary:"):
        notes = NOTE.findall(last.rsplit("Notes:", 1)[-1])
        return "; ".join(n for n in notes if n != "(nothing new)") or "Nothing much yet."
    turn = [m.content for m in messages if m.role == "user"][-1]
    return f"You said: {turn}"


class SlowTokens(ScriptedModel):
    """The scripted model, streaming its words with a pause between them, so a page can be seen filling in."""

    def __init__(self, *args: Any, token_delay_s: float = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.token_delay_s = token_delay_s

    def stream(self, messages: Sequence[Message], **kwargs: Any) -> Iterator[str]:
        for piece in super().stream(messages, **kwargs):
            if self.token_delay_s:
                time.sleep(self.token_delay_s)
            yield piece


def open_assistant(
    folder: Path, *, catalog: bool = True, token_delay_s: float = 0.0, supports_tools: bool = False
) -> Assistant:
    """An assistant over a fresh data folder, with the 24-movie test catalog loaded unless ``catalog=False``.

    ``supports_tools`` makes the scripted model a tool-calling one, whose reply the agent streams as written
    (a model without tools goes through the grounded reply, which sends whole checked sentences).
    """
    model = SlowTokens(reply_fn=scripted_reply, token_delay_s=token_delay_s, supports_tools=supports_tools)
    assistant = Assistant.open(Settings(data_dir=folder / "data"), chat_model=model)
    if catalog:
        items = load_movielens_items(write_movielens(folder / "ml", users=1)).items
        assistant.recommender.catalog.load(items)
    return assistant


def expect(target: Any) -> Any:
    """Playwright's ``expect`` (imported on use: the API tests import this module without a browser)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def chromium_path() -> str:
    """The system Chromium (Debian's package); Playwright's own browser download needs the internet."""
    for candidate in (os.environ.get("RAPPORT_CHROMIUM"), "/usr/lib/chromium/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    pytest.skip("Chromium is missing: run `bash setup.sh` (it installs Debian's chromium with apt)")


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(
        executable_path=chromium_path(),
        headless=True,
        args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"],
    )


class Shots:
    """Numbered screenshots in the test's tmp folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.taken: list[Path] = []

    def __call__(self, page: Any, name: str, *, full_page: bool = False) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        self.taken.append(path)
        return path


def new_page(browser: Any, *, width: int = 1280, height: int = 820) -> tuple[Any, Any, list[str]]:
    """A fresh browser context (no stored user or key) and a page whose script errors are collected."""
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    # a 4xx answer is logged as "Failed to load resource"; anything else (a CSP refusal, a script error) is a bug
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None,
    )
    return context, page, problems


def enter_as(page: Any, user: str) -> None:
    """Pick ``user`` on the loopback user picker (a known user's button, else the new-user field)."""
    page.wait_for_selector("#gate:not([hidden]), #app:not([hidden])")
    known = page.locator(f'button.user-choice[data-user="{user}"]')
    if known.count():
        known.click()
    else:
        page.fill("#new-user", user)
        page.press("#new-user", "Enter")
    expect(page.locator("#who-name")).to_have_text(user)


WATCH_REPLY = """() => {
  window.__seen = [];
  const box = document.querySelector('#messages');
  new MutationObserver(() => {
    const last = [...box.querySelectorAll('.msg.assistant .text')].pop();
    if (last) window.__seen.push(last.textContent);
  }).observe(box, {childList: true, subtree: true, characterData: true});
}"""


def send(page: Any, text: str) -> Any:
    """Type a message, press Enter, wait for the whole reply; returns the reply's element."""
    page.fill("#message", text)
    page.press("#message", "Enter")
    reply = page.locator(".msg.assistant").last
    expect(reply).to_have_attribute("data-state", "done")
    return reply


def api(base_url: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{base_url}{path}", timeout=180, **kwargs)  # a first call may load models


def memory_texts(base_url: str, user: str, **params: Any) -> list[str]:
    found = api(base_url, "GET", f"/v1/users/{user}/memories", params={"k": 100, **params})
    return [m["text"] for m in found.json()["data"]]
