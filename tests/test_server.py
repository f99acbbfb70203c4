"""``rapport serve``: the real server (uvicorn) on a free loopback port, driven by the real openai client and httpx."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import openai
import pytest
from pydantic import BaseModel

from agent.cli import main as cli_main
from agent.server import check_bind, create_app, is_loopback
from agent.server.run import check_port_free
from memory import Memory
from memory.errors import InvalidInputError, NotFoundError
from tests.live_server import free_port, live_server

# -- a stand-in for agent.Assistant with the same API (until the real one is wired in below) -----------------


class StandInReply(BaseModel):
    text: str
    thread_id: str
    recalled: list[Memory] = []
    tool_calls: list[dict[str, Any]] = []
    timings: dict[str, float] = {}


class StandInEvent(BaseModel):
    type: str
    text: str = ""
    memories: list[Memory] = []
    tool: dict[str, Any] | None = None
    reply: StandInReply | None = None


class StandInProfile(BaseModel):
    user_id: str
    summary: str


class StandInAssistant:
    """Echoes the turn and recalls every stored memory; records what it was asked."""

    def __init__(self) -> None:
        self.store: dict[str, list[Memory]] = {}
        self.turns: list[tuple[str, str, str | None]] = []

    @staticmethod
    def _check(user_id: str) -> str:
        if not user_id.strip():
            raise InvalidInputError("user_id", "must not be empty")
        return user_id

    def stream(self, user_id: str, message: str, *, thread_id: str | None = None) -> Iterator[StandInEvent]:
        self._check(user_id)
        if not message.strip():
            raise InvalidInputError("message", "must not be empty")
        self.turns.append((user_id, message, thread_id))
        recalled = list(self.store.get(user_id, []))
        yield StandInEvent(type="recalled", memories=recalled)
        if message == "explode":
            raise RuntimeError("secret internal detail")
        if message == "use a tool":
            yield StandInEvent(type="tool", tool={"name": "search_memory", "arguments": {"query": "x"}})
        text = f"You said: {message}"
        for index, word in enumerate(text.split(" ")):
            yield StandInEvent(type="token", text=word if index == 0 else " " + word)
        reply = StandInReply(text=text, thread_id=thread_id or "default", recalled=recalled, timings={"total_s": 0.01})
        yield StandInEvent(type="done", text=text, reply=reply)

    def chat(self, user_id: str, message: str, *, thread_id: str | None = None) -> StandInReply:
        *_, done = self.stream(user_id, message, thread_id=thread_id)
        assert done.reply is not None
        return done.reply

    def remember(self, user_id: str, text: str) -> Memory:
        now = datetime.now(UTC)
        memory = Memory(id=f"m{sum(map(len, self.store.values()))}", user_id=self._check(user_id), text=text,
                        created_at=now, updated_at=now)  # fmt: skip
        self.store.setdefault(user_id, []).append(memory)
        return memory

    def memories(self, user_id: str, query: str | None = None, *, k: int = 10) -> list[Memory]:
        found = self.store.get(self._check(user_id), [])
        if query is not None:
            found = [m for m in found if any(word in m.text.lower() for word in query.lower().split())]
        return found[:k]

    def forget_memory(self, user_id: str, memory_id: str) -> None:
        kept = [m for m in self.store.get(user_id, []) if m.id != memory_id]
        if len(kept) == len(self.store.get(user_id, [])):
            raise NotFoundError("memory_id", memory_id)
        self.store[user_id] = kept

    def profile(self, user_id: str) -> StandInProfile:
        if not self.store.get(self._check(user_id)):
            raise NotFoundError("user_id", user_id)
        return StandInProfile(user_id=user_id, summary="; ".join(m.text for m in self.store[user_id]))

    def forget(self, user_id: str) -> int:
        return len(self.store.pop(self._check(user_id), []))


# -- fixtures ------------------------------------------------------------------------------------------------

KEY = "test-key-0123456789"


@pytest.fixture
def assistant() -> StandInAssistant:
    return StandInAssistant()


@pytest.fixture
def base_url(assistant: StandInAssistant) -> Iterator[str]:
    with live_server(create_app(assistant)) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0, timeout=30)


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as session:
        yield session


def assert_openai_error(response: httpx.Response, status: int, param: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) >= {"message", "type", "param"} and error["message"]
    assert "Traceback" not in response.text
    if param is not None:
        assert error["param"] == param, error
    return error


# -- chat through the openai client --------------------------------------------------------------------------


def test_chat_completion_through_the_openai_client(client: openai.OpenAI, assistant: StandInAssistant) -> None:
    assistant.remember("alice", "I love jazz")
    response = client.chat.completions.create(
        model="rapport",
        user="alice",
        messages=[
            {"role": "system", "content": "be nice"},
            {"role": "user", "content": "earlier question"},
            {"role": "assistant", "content": "earlier answer"},
            {"role": "user", "content": "What music do I like?"},
        ],
    )
    assert response.choices[0].message.content == "You said: What music do I like?"
    assert response.choices[0].finish_reason == "stop" and response.object == "chat.completion"
    assert assistant.turns == [("alice", "What music do I like?", None)]
    extra = response.model_extra["rapport"]
    assert [m["text"] for m in extra["recalled"]] == ["I love jazz"]
    assert extra["thread_id"] == "default" and "total_s" in extra["timings"]


def test_streaming_matches_the_whole_reply(client: openai.OpenAI, assistant: StandInAssistant) -> None:
    messages = [{"role": "user", "content": "Tell me something"}]
    whole = client.chat.completions.create(model="rapport", user="bob", messages=messages)
    chunks = list(client.chat.completions.create(model="rapport", user="bob", messages=messages, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(chunk.object == "chat.completion.chunk" and len({c.id for c in chunks}) == 1 for chunk in chunks)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert text == whole.choices[0].message.content == "You said: Tell me something"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert any("recalled" in (chunk.model_extra or {}).get("rapport", {}) for chunk in chunks)


def test_tool_events_ride_along_in_the_stream(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="rapport", user="bob", messages=[{"role": "user", "content": "use a tool"}], stream=True
        )
    )
    tools = [c.model_extra["rapport"]["tool"] for c in chunks if "tool" in (c.model_extra or {}).get("rapport", {})]
    assert tools == [{"name": "search_memory", "arguments": {"query": "x"}}]


def test_user_and_thread_from_headers(client: openai.OpenAI, assistant: StandInAssistant) -> None:
    client.chat.completions.create(
        model="rapport",
        messages=[{"role": "user", "content": [{"type": "text", "text": "hello"}, {"type": "text", "text": "there"}]}],
        extra_headers={"X-Rapport-User": "carol", "X-Rapport-Thread": "trip-planning"},
    )
    client.chat.completions.create(
        model="rapport",
        user="dave",
        messages=[{"role": "user", "content": "hi"}],
        extra_headers={"X-Rapport-User": "x"},
    )
    assert assistant.turns == [("carol", "hello\nthere", "trip-planning"), ("dave", "hi", None)]


def test_models_lists_rapport(client: openai.OpenAI) -> None:
    assert [model.id for model in client.models.list()] == ["rapport"]


def test_errors_in_a_stream_reach_the_client_cleanly(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="rapport", user="bob", messages=[{"role": "user", "content": "explode"}], stream=True
    )
    with pytest.raises(openai.APIError, match="internal error: see the server log") as caught:
        list(stream)
    assert "secret internal detail" not in str(caught.value)


def test_bad_input_in_a_stream_is_a_400_before_it_starts(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="rapport", user="bob", messages=[{"role": "user", "content": "   "}], stream=True
        )
    assert caught.value.status_code == 400


# -- memories and profile over HTTP --------------------------------------------------------------------------


def test_memory_endpoints(http: httpx.Client) -> None:
    created = http.post("/v1/users/alice/memories", json={"text": "My sister Anna lives in Lisbon"})
    assert created.status_code == 201 and created.json()["text"] == "My sister Anna lives in Lisbon"
    http.post("/v1/users/alice/memories", json={"text": "I love jazz"})
    http.post("/v1/users/bob/memories", json={"text": "Bob likes tea"})

    listed = http.get("/v1/users/alice/memories").json()
    assert listed["object"] == "list" and [m["text"] for m in listed["data"]] == [
        "My sister Anna lives in Lisbon",
        "I love jazz",
    ]
    assert [m["text"] for m in http.get("/v1/users/alice/memories", params={"query": "jazz"}).json()["data"]] == [
        "I love jazz"
    ]
    assert len(http.get("/v1/users/alice/memories", params={"k": 1}).json()["data"]) == 1

    memory_id = created.json()["id"]
    assert http.delete(f"/v1/users/alice/memories/{memory_id}").json() == {
        "id": memory_id,
        "object": "memory",
        "deleted": True,
    }
    assert_openai_error(http.delete(f"/v1/users/alice/memories/{memory_id}"), 404, "memory_id")

    profile = http.get("/v1/users/alice/profile")
    assert profile.status_code == 200 and profile.json() == {"user_id": "alice", "summary": "I love jazz"}

    assert http.delete("/v1/users/alice/memories").json() == {"user_id": "alice", "object": "user", "deleted": 1}
    assert http.get("/v1/users/alice/memories").json()["data"] == []
    assert [m["text"] for m in http.get("/v1/users/bob/memories").json()["data"]] == ["Bob likes tea"]


def test_profile_of_an_unknown_user_is_404(http: httpx.Client) -> None:
    error = assert_openai_error(http.get("/v1/users/nobody/profile"), 404, "user_id")
    assert error["type"] == "invalid_request_error"


# -- malformed requests --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "rapport", "user": "a"}, "messages"),
        ({"model": "rapport", "user": "a", "messages": "hello"}, "messages"),
        ({"model": "rapport", "user": "a", "messages": []}, "messages"),
        ({"model": "rapport", "user": "a", "messages": [{"role": "user", "content": 5}]}, "messages.0.content"),
        ({"model": "rapport", "user": "a", "messages": [{"role": "wizard", "content": "x"}]}, "messages.0.role"),
        ({"model": "rapport", "user": "a", "messages": [{"content": "x"}]}, "messages.0.role"),
        (
            {"model": "rapport", "user": "a", "stream": "sometimes", "messages": [{"role": "user", "content": "x"}]},
            "stream",
        ),
        ({"model": "rapport", "user": 7, "messages": [{"role": "user", "content": "x"}]}, "user"),
        ({"model": "rapport", "user": "", "messages": [{"role": "user", "content": "x"}]}, "user"),
        ({"model": "rapport", "messages": [{"role": "user", "content": "x"}]}, "user"),
        ({"model": "rapport", "user": "a", "messages": [{"role": "system", "content": "x"}]}, "messages"),
        ({"model": "rapport", "user": "a", "messages": [{"role": "user", "content": ""}]}, "messages.0.content"),
    ],
)
def test_malformed_chat_requests_are_openai_shaped_400s(http: httpx.Client, body: dict[str, Any], param: str) -> None:
    error = assert_openai_error(http.post("/v1/chat/completions", json=body), 400, param)
    assert error["type"] == "invalid_request_error"


def test_more_malformed_requests(http: httpx.Client) -> None:
    assert_openai_error(
        http.post("/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"}), 400
    )
    bad_thread = {"X-Rapport-User": "a", "X-Rapport-Thread": "x" * 500}
    body = {"model": "rapport", "messages": [{"role": "user", "content": "hi"}]}
    assert_openai_error(http.post("/v1/chat/completions", json=body, headers=bad_thread), 400, "X-Rapport-Thread")
    assert_openai_error(http.post("/v1/users/a/memories", json={"text": 3}), 400, "text")
    assert_openai_error(http.post("/v1/users/a/memories", json={"txt": "hi"}), 400)
    assert_openai_error(http.get("/v1/users/a/memories", params={"k": 0}), 400, "k")
    assert_openai_error(http.get("/v1/nowhere"), 404)
    assert_openai_error(http.put("/v1/models"), 405)
    assert_openai_error(http.post("/v1/users/%20/memories", json={"text": "hi"}), 400, "user_id")


def test_an_unexpected_failure_is_a_500_without_the_traceback(http: httpx.Client) -> None:
    body = {"model": "rapport", "user": "a", "messages": [{"role": "user", "content": "explode"}]}
    error = assert_openai_error(http.post("/v1/chat/completions", json=body), 500)
    assert error["type"] == "server_error" and "secret internal detail" not in error["message"]


# -- authentication ------------------------------------------------------------------------------------------


def test_a_key_is_required_when_configured(assistant: StandInAssistant) -> None:
    with live_server(create_app(assistant, api_key=KEY)) as url:
        anonymous = openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            anonymous.models.list()
        error = assert_openai_error(httpx.get(f"{url}/v1/users/a/memories"), 401)
        assert error["code"] == "invalid_api_key"
        keyed = openai.OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0)
        reply = keyed.chat.completions.create(model="rapport", user="a", messages=[{"role": "user", "content": "hi"}])
        assert reply.choices[0].message.content == "You said: hi"


def test_loopback_rules() -> None:
    assert all(is_loopback(h) for h in ["127.0.0.1", "localhost", "::1", "[::1]", "127.8.9.10"])
    assert not any(is_loopback(h) for h in ["0.0.0.0", "::", "192.168.1.4", "example.com"])
    check_bind("127.0.0.1", None)
    check_bind("0.0.0.0", KEY)
    for key in (None, "", "   "):
        with pytest.raises(InvalidInputError, match="RAPPORT_API_KEY"):
            check_bind("0.0.0.0", key)


def test_serve_refuses_a_public_host_without_a_key(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.delenv("RAPPORT_API_KEY", raising=False)
    assert cli_main(["serve", "--host", "0.0.0.0", "--port", str(free_port())]) == 2
    assert "set RAPPORT_API_KEY" in capsys.readouterr().err


def test_serve_names_a_port_in_use(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InvalidInputError, match=f"cannot listen on 127.0.0.1:{port}"):
            check_port_free("127.0.0.1", port)
        assert cli_main(["serve", "--port", str(port)]) == 2
    assert f"127.0.0.1:{port}" in capsys.readouterr().err
