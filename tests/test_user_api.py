"""The API routes the page uses: users, threads, memory filters/versions/edits, profile rebuilds,
recommendations and feedback, and the page itself. Real uvicorn, real Chroma, real embeddings;
the chat model is the scripted one."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from agent import Assistant
from agent.cli.ui_commands import can_open_browser, open_when_ready
from agent.server import create_app
from tests.live_server import live_server
from tests.test_server import assert_openai_error

from .page.support import open_assistant

KEY = "page-key-0123456789"


@pytest.fixture
def assistant(tmp_path, embedder) -> Iterator[Assistant]:
    opened = open_assistant(tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def http(assistant: Assistant) -> Iterator[httpx.Client]:
    with live_server(create_app(assistant)) as url, httpx.Client(base_url=url, timeout=60) as session:
        yield session


def say(http: httpx.Client, user: str, text: str, thread: str | None = None) -> dict[str, Any]:
    headers = {"X-Rapport-Thread": thread} if thread else {}
    body = {"model": "rapport", "user": user, "messages": [{"role": "user", "content": text}]}
    response = http.post("/v1/chat/completions", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def texts(items: list[dict[str, Any]]) -> list[str]:
    return [item["text"] for item in items]


# -- users and threads ------------------------------------------------------------------------------------


def test_users_are_listed(http: httpx.Client) -> None:
    assert http.get("/v1/users").json() == {"object": "list", "data": []}
    http.post("/v1/users/alice/memories", json={"text": "I love jazz records"})
    http.post("/v1/users/bob/memories", json={"text": "Bob likes green tea"})
    assert [u["id"] for u in http.get("/v1/users").json()["data"]] == ["alice", "bob"]


def test_threads_are_listed_newest_first_with_their_turns(http: httpx.Client) -> None:
    http.post("/v1/users/alice/memories", json={"text": "My sister Anna lives in Lisbon"})
    say(http, "alice", "Hello there, how are you?")
    planned = say(http, "alice", "Plan a trip to Lisbon for me", thread="trip")
    asked = say(http, "alice", "Where does my sister live?", thread="trip")
    say(http, "bob", "Bob's own thread", thread="trip")

    threads = http.get("/v1/users/alice/threads").json()["data"]
    assert [t["id"] for t in threads] == ["trip", "default"]
    assert threads[0]["title"] == "Plan a trip to Lisbon for me" and threads[0]["turns"] == 2
    assert threads[1]["turns"] == 1 and threads[0]["updated_at"] >= threads[1]["updated_at"]

    turns = http.get("/v1/users/alice/threads/trip").json()["turns"]
    assert [t["message"] for t in turns] == ["Plan a trip to Lisbon for me", "Where does my sister live?"]
    assert turns[0]["reply"] == planned["choices"][0]["message"]["content"]
    assert turns[1]["reply"] == asked["choices"][0]["message"]["content"]
    assert texts(turns[1]["recalled"]) == texts(asked["rapport"]["recalled"])
    assert "My sister Anna lives in Lisbon" in texts(turns[1]["recalled"])
    assert turns[1]["tool_calls"] == asked["rapport"]["tool_calls"]
    assert turns[1]["timings"]["respond_s"] > 0
    assert 0 < asked["rapport"]["timings"]["first_token_s"] <= asked["rapport"]["timings"]["total_s"]

    bob = http.get("/v1/users/bob/threads/trip").json()["turns"]
    assert [t["message"] for t in bob] == ["Bob's own thread"]  # same thread name, another user's conversation
    assert http.get("/v1/users/carol/threads").json()["data"] == []
    assert http.get("/v1/users/alice/threads/never-used").json()["turns"] == []
    assert_openai_error(http.get(f"/v1/users/alice/threads/{'x' * 200}"), 400, "thread_id")
    assert_openai_error(http.get("/v1/users/%20/threads"), 400, "user_id")


# -- memories: filters, versions, edits ---------------------------------------------------------------------


def test_filter_by_kind_and_status_with_the_chain_of_versions(http: httpx.Client, assistant: Assistant) -> None:
    store = assistant.store
    paris = store.add("alice", "I live in Paris", kind="fact")
    berlin = store.supersede("alice", paris.id, "I moved to Berlin")
    lisbon = store.supersede("alice", berlin.id, "I moved to Lisbon")
    store.add("alice", "I love spicy food", kind="preference")
    store.add("bob", "I live in Oslo", kind="fact")

    current = http.get("/v1/users/alice/memories", params={"k": 50}).json()["data"]
    assert sorted(texts(current)) == ["I love spicy food", "I moved to Lisbon"]
    chain = ["I live in Paris", "I moved to Berlin", "I moved to Lisbon"]
    lisbon_json = next(m for m in current if m["id"] == lisbon.id)
    assert texts(lisbon_json["lineage"]) == chain
    assert [v["status"] for v in lisbon_json["lineage"]] == ["superseded", "superseded", "active"]
    assert "lineage" not in next(m for m in current if m["text"] == "I love spicy food")

    replaced = http.get("/v1/users/alice/memories", params={"status": "replaced", "k": 50}).json()["data"]
    assert sorted(texts(replaced)) == ["I live in Paris", "I moved to Berlin"]
    assert all(texts(m["lineage"]) == chain and m["status"] == "superseded" for m in replaced)
    every = http.get("/v1/users/alice/memories", params={"status": "all", "k": 50}).json()["data"]
    assert len(every) == 4
    prefs = http.get("/v1/users/alice/memories", params={"kind": "preference"}).json()["data"]
    assert texts(prefs) == ["I love spicy food"]
    found = http.get("/v1/users/alice/memories", params={"query": "Paris", "status": "replaced"}).json()["data"]
    assert texts(found)[0] == "I live in Paris"
    assert http.get("/v1/users/alice/memories", params={"query": "Paris"}).json()["data"][0]["status"] == "active"

    single = http.get(f"/v1/users/alice/memories/{berlin.id}").json()
    assert single["text"] == "I moved to Berlin" and texts(single["lineage"]) == chain
    assert_openai_error(http.get(f"/v1/users/bob/memories/{berlin.id}"), 404, "memory_id")
    assert_openai_error(http.get("/v1/users/alice/memories", params={"status": "old"}), 400, "status")
    assert_openai_error(http.get("/v1/users/alice/memories", params={"kind": "feeling"}), 400, "kind")


def test_an_edited_memory_is_what_the_next_reply_recalls(http: httpx.Client, assistant: Assistant) -> None:
    created = http.post("/v1/users/alice/memories", json={"text": "My dog is called Rex"}).json()
    edited = http.patch(f"/v1/users/alice/memories/{created['id']}", json={"text": "My dog is called Bruno"})
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["id"] == created["id"] and body["text"] == "My dog is called Bruno"
    assert body["updated_at"] > created["updated_at"] and body["created_at"] == created["created_at"]
    recalled = texts(say(http, "alice", "What is my dog called?")["rapport"]["recalled"])
    assert "My dog is called Bruno" in recalled and "My dog is called Rex" not in recalled

    path = f"/v1/users/alice/memories/{created['id']}"
    assert_openai_error(http.patch(path, json={"text": "   "}), 400, "text")
    assert_openai_error(http.patch(path, json={"text": "ok"}), 400, "text")
    assert_openai_error(http.patch(path, json={"text": 5}), 400, "text")
    assert_openai_error(http.patch(path, json={"text": "My dog is Bruno", "kind": "fact"}), 400)
    assert_openai_error(http.patch(f"/v1/users/bob/memories/{created['id']}", json={"text": "My dog is Max"}), 404)
    assert_openai_error(http.patch("/v1/users/alice/memories/nope", json={"text": "My dog is Max"}), 404, "memory_id")
    old = assistant.store.add("alice", "I drink coffee every morning", kind="preference")
    assistant.store.supersede("alice", old.id, "I switched to tea in the morning")
    error = assert_openai_error(
        http.patch(f"/v1/users/alice/memories/{old.id}", json={"text": "I drink coffee"}), 400, "memory_id"
    )
    assert "edit the current version" in error["message"]
    assert assistant.store.get("alice", created["id"]).text == "My dog is called Bruno"


# -- profile ------------------------------------------------------------------------------------------------


def test_profile_rebuild_reads_the_memories_as_they_are_now(http: httpx.Client) -> None:
    assert_openai_error(http.post("/v1/users/alice/profile/rebuild"), 404, "user_id")
    memory = http.post("/v1/users/alice/memories", json={"text": "I love jazz records"}).json()
    first = http.post("/v1/users/alice/profile/rebuild").json()
    assert "jazz" in first["summary"] and first["memory_count"] == 1
    http.patch(f"/v1/users/alice/memories/{memory['id']}", json={"text": "I love opera records"})
    time.sleep(0.01)
    second = http.post("/v1/users/alice/profile/rebuild").json()
    assert "opera" in second["summary"] and "jazz" not in second["summary"]
    assert second["updated_at"] > first["updated_at"]
    assert http.get("/v1/users/alice/profile").json()["updated_at"] == second["updated_at"]


# -- recommendations and feedback ------------------------------------------------------------------------------


def test_recommendations_have_reasons_and_feedback_is_recorded(http: httpx.Client, assistant: Assistant) -> None:
    picks = http.post("/v1/users/mia/recommendations", json={"query": "a space adventure", "k": 3})
    assert picks.status_code == 200, picks.text
    data = picks.json()["data"]
    assert len(data) == 3 and all(p["reason"] and p["item"]["title"] for p in data)
    assert "Sci-Fi" in data[0]["item"]["genres"]
    liked = data[0]["item"]
    recorded = http.post("/v1/users/mia/interactions", json={"item_id": liked["id"], "action": "liked"})
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["action"] == "liked" and recorded.json()["item_id"] == liked["id"]
    memories = http.get("/v1/users/mia/memories", params={"kind": "interaction"}).json()["data"]
    assert [(m["metadata"]["item_id"], m["metadata"]["action"]) for m in memories] == [(liked["id"], "liked")]
    assert memories[0]["text"] == f"liked {liked['title']}"
    again = http.post("/v1/users/mia/recommendations", json={"k": 10}).json()["data"]
    assert liked["id"] not in [p["item"]["id"] for p in again]  # already seen, never recommended again
    assert any(liked["title"] in " ".join(p["evidence"]) for p in again)  # the like is cited as a reason
    assert http.get("/v1/users/leo/memories", params={"kind": "interaction"}).json()["data"] == []

    assert_openai_error(http.post("/v1/users/mia/recommendations", json={"k": 0}), 400, "k")
    assert_openai_error(http.post("/v1/users/mia/recommendations", json={"k": 500}), 400, "k")
    assert_openai_error(http.post("/v1/users/mia/recommendations", json={"limit": 3}), 400)
    assert_openai_error(http.post("/v1/users/mia/interactions", json={"item_id": "nope", "action": "liked"}), 404)
    bad_action = {"item_id": liked["id"], "action": "loved"}
    assert_openai_error(http.post("/v1/users/mia/interactions", json=bad_action), 400, "action")
    no_rating = {"item_id": liked["id"], "action": "rated"}
    assert_openai_error(http.post("/v1/users/mia/interactions", json=no_rating), 400, "rating")
    too_high = {"item_id": liked["id"], "action": "rated", "rating": 9}
    assert_openai_error(http.post("/v1/users/mia/interactions", json=too_high), 400, "rating")


def test_recommendations_without_a_catalog_say_how_to_load_one(tmp_path, embedder) -> None:
    with open_assistant(tmp_path, catalog=False) as bare, live_server(create_app(bare)) as url:
        error = assert_openai_error(httpx.post(f"{url}/v1/users/mia/recommendations", json={}), 404, "catalog")
        assert "rapport catalog load" in error["message"]


# -- the page -----------------------------------------------------------------------------------------------------


def test_the_page_is_served_to_anyone_but_the_data_needs_the_key(assistant: Assistant) -> None:
    with live_server(create_app(assistant, admin_key=KEY)) as url:
        page = httpx.get(f"{url}/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert '<script type="module" src="/static/js/app.js">' in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        script = httpx.get(f"{url}/static/js/app.js")
        assert script.status_code == 200 and "javascript" in script.headers["content-type"]
        for name in ("api", "chat", "dom", "memories", "profile", "recs"):
            assert httpx.get(f"{url}/static/js/{name}.js").status_code == 200
        assert httpx.get(f"{url}/static/style.css").status_code == 200
        assert httpx.get(f"{url}/favicon.ico").headers["content-type"] == "image/svg+xml"
        assert_openai_error(httpx.get(f"{url}/static/nothing.js"), 404)
        assert_openai_error(httpx.get(f"{url}/v1/users"), 401)
        keyed = httpx.get(f"{url}/v1/users", headers={"Authorization": f"Bearer {KEY}"})
        assert keyed.status_code == 200


def test_the_page_refers_only_to_its_own_files() -> None:
    from agent.server.ui import STATIC_DIR

    for path in STATIC_DIR.rglob("*"):
        if path.suffix in {".html", ".js", ".css"}:
            text = path.read_text(encoding="utf-8").replace("http://www.w3.org/2000/svg", "")  # a name, not a URL
            assert "http://" not in text and "https://" not in text, f"{path.name} refers to the network"
            assert "innerHTML" not in text, f"{path.name} writes HTML from strings"


# -- `rapport ui` ------------------------------------------------------------------------------------------------


def test_ui_opens_a_browser_only_where_one_can_appear() -> None:
    assert can_open_browser({"DISPLAY": ":0"}, "linux")
    assert can_open_browser({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert can_open_browser({"BROWSER": "firefox"}, "linux")
    assert can_open_browser({}, "darwin") and can_open_browser({}, "win32")
    assert not can_open_browser({}, "linux")


def test_ui_opens_the_page_once_the_server_answers(assistant: Assistant) -> None:
    opened: list[str] = []
    with live_server(create_app(assistant)) as url:
        assert open_when_ready(f"{url}/", opened.append, timeout_s=10)
    assert opened == [f"{url}/"]
    assert not open_when_ready(url, opened.append, timeout_s=0.5)  # the server is gone: nothing opens
    assert opened == [f"{url}/"]


@pytest.mark.slow
def test_rapport_ui_serves_the_page_and_opens_the_browser(tmp_path) -> None:
    import os
    import signal
    import subprocess
    import sys

    from tests.live_server import free_port

    opened = tmp_path / "opened.txt"
    recorder = tmp_path / "browser.py"  # stands in for a browser: $BROWSER is how people pick theirs
    recorder.write_text(f"import sys, pathlib\npathlib.Path({str(opened)!r}).write_text(sys.argv[1])\n")
    port = free_port()
    env = {**os.environ, "RAPPORT_DATA_DIR": str(tmp_path / "data"), "BROWSER": f"{sys.executable} {recorder} %s"}
    env.pop("RAPPORT_API_KEY", None)
    env.pop("RAPPORT_ADMIN_KEY", None)
    ui = subprocess.Popen(
        [sys.executable, "-m", "agent.cli", "ui", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while not (opened.exists() and opened.read_text()):
            assert ui.poll() is None and time.monotonic() < deadline, ui.stdout.read()
            time.sleep(0.3)
        url = opened.read_text()
        assert url == f"http://127.0.0.1:{port}/"
        page = httpx.get(url, timeout=30)
        assert page.status_code == 200 and "<title>Rapport</title>" in page.text
    finally:
        ui.send_signal(signal.SIGINT)
        output, _ = ui.communicate(timeout=60)
    assert ui.returncode == 0, output
    assert f"Opening http://127.0.0.1:{port}/ in your browser." in output
