"""``rapport serve``: the real server (uvicorn) on a free loopback port, driven by the real openai client and httpx."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from agent import Assistant, Settings
from agent.cli import main as cli_main
from agent.llm.base import Message
from agent.server import check_bind, create_app, is_loopback
from agent.server.run import check_port_free
from memory.errors import InvalidInputError
from tests.live_server import free_port, live_server
from tests.scripted_model import ScriptedModel

KEY = "test-key-0123456789"


def echo(messages: list[Message]) -> str:
    """The scripted model's reply: what the user said last; "explode" fails like a broken model would."""
    turn = [m.content for m in messages if m.role == "user"][-1]
    if "explode" in turn:
        raise RuntimeError("secret internal detail")
    return f"You said: {turn}"


@pytest.fixture
def assistant(tmp_path, embedder) -> Iterator[Assistant]:
    # A model that writes its own replies: these tests are about the transport, not what is said.
    model = ScriptedModel(reply_fn=echo, supports_tools=True)
    opened = Assistant.open(Settings(data_dir=tmp_path / "data"), chat_model=model)
    yield opened
    opened.close()


@pytest.fixture
def base_url(assistant: Assistant) -> Iterator[str]:
    with live_server(create_app(assistant)) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0, timeout=60)


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as session:
        yield session


def assert_openai_error(response: httpx.Response, status: int, param: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) >= {"message", "type", "param"} and error["message"]
    assert "Traceback" not in response.text
    if param is not None:
        assert error["param"] == param, error
    return error


def turns(assistant: Assistant, user_id: str, thread_id: str | None = None) -> list[str]:
    return [turn["content"] for turn in assistant.history(user_id, thread_id=thread_id)]


# -- chat through the openai client --------------------------------------------------------------------------


def test_chat_completion_through_the_openai_client(client: openai.OpenAI, assistant: Assistant) -> None:
    assistant.remember("alice", "I love jazz and old soul records")
    response = client.chat.completions.create(
        model="rapport",
        user="alice",
        messages=[
            {"role": "system", "content": "be nice"},
            {"role": "user", "content": "earlier question"},
            {"role": "assistant", "content": "earlier answer"},
            {"role": "user", "content": "Which music do I like?"},
        ],
    )
    assert response.choices[0].message.content == "You said: Which music do I like?"
    assert response.choices[0].finish_reason == "stop" and response.object == "chat.completion"
    # only the last user message is the turn: the client's own copy of the history is not replayed
    assert turns(assistant, "alice") == ["Which music do I like?", "You said: Which music do I like?"]
    extra = response.model_extra["rapport"]
    assert [m["text"] for m in extra["recalled"]] == ["I love jazz and old soul records"]
    assert extra["thread_id"] == "default" and "total_s" in extra["timings"]


def test_streaming_matches_the_whole_reply(client: openai.OpenAI, assistant: Assistant) -> None:
    messages = [{"role": "user", "content": "Tell me something nice"}]
    whole = client.chat.completions.create(model="rapport", user="bob", messages=messages)
    chunks = list(client.chat.completions.create(model="rapport", user="bob", messages=messages, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks) and len({c.id for c in chunks}) == 1
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert text == whole.choices[0].message.content == "You said: Tell me something nice"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["rapport"]["thread_id"] == "default"
    assert any("recalled" in (chunk.model_extra or {}).get("rapport", {}) for chunk in chunks)
    assert len(turns(assistant, "bob")) == 4


def test_recalled_memories_tool_events_and_the_grounded_reply_ride_along_in_the_stream(tmp_path, embedder) -> None:
    small = ScriptedModel(default_reply="I'm sorry, I don't know what you mean.")  # no tools: grounded replies
    with Assistant.open(Settings(data_dir=tmp_path / "small"), chat_model=small) as assistant:
        assistant.remember("alice", "My sister is called Anna")
        with live_server(create_app(assistant)) as url:
            client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=60)
            chunks = list(
                client.chat.completions.create(
                    model="rapport",
                    user="alice",
                    messages=[{"role": "user", "content": "What is my sister called?"}],
                    stream=True,
                )
            )
    extras = [(chunk.model_extra or {}).get("rapport", {}) for chunk in chunks]
    recalled = [m["text"] for extra in extras for m in extra.get("recalled", [])]
    tools = [extra["tool"]["name"] for extra in extras if "tool" in extra]
    assert "My sister is called Anna" in recalled and tools == ["search_memory"]
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text == "Your sister is called Anna."


def test_user_and_thread_from_headers(client: openai.OpenAI, assistant: Assistant) -> None:
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
    assert turns(assistant, "carol", "trip-planning") == ["hello\nthere", "You said: hello\nthere"]
    assert turns(assistant, "carol") == [] and turns(assistant, "x") == []
    assert turns(assistant, "dave") == ["hi", "You said: hi"]


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
    assert created.json()["user_id"] == "alice"
    http.post("/v1/users/alice/memories", json={"text": "I love jazz"})
    http.post("/v1/users/bob/memories", json={"text": "Bob likes green tea"})

    listed = http.get("/v1/users/alice/memories").json()
    assert listed["object"] == "list"
    assert sorted(m["text"] for m in listed["data"]) == ["I love jazz", "My sister Anna lives in Lisbon"]
    found = http.get("/v1/users/alice/memories", params={"query": "which music do I like, jazz?"}).json()["data"]
    assert found[0]["text"] == "I love jazz"
    assert len(http.get("/v1/users/alice/memories", params={"k": 1}).json()["data"]) == 1

    memory_id = created.json()["id"]
    deleted = http.delete(f"/v1/users/alice/memories/{memory_id}")
    assert deleted.json() == {"id": memory_id, "object": "memory", "deleted": True}
    assert_openai_error(http.delete(f"/v1/users/alice/memories/{memory_id}"), 404, "memory_id")
    assert_openai_error(http.delete(f"/v1/users/bob/memories/{memory_id}"), 404, "memory_id")

    profile = http.get("/v1/users/alice/profile")
    assert profile.status_code == 200 and profile.json()["user_id"] == "alice"

    assert http.delete("/v1/users/alice/memories").json() == {"user_id": "alice", "object": "user", "deleted": 1}
    assert http.get("/v1/users/alice/memories").json()["data"] == []
    assert [m["text"] for m in http.get("/v1/users/bob/memories").json()["data"]] == ["Bob likes green tea"]


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
    assert_openai_error(http.post("/v1/users/%20/memories", json={"text": "I like tea"}), 400, "user_id")


def test_an_unexpected_failure_is_a_500_without_the_traceback(http: httpx.Client) -> None:
    body = {"model": "rapport", "user": "a", "messages": [{"role": "user", "content": "explode"}]}
    error = assert_openai_error(http.post("/v1/chat/completions", json=body), 500)
    assert error["type"] == "server_error" and "secret internal detail" not in error["message"]


# -- authentication ------------------------------------------------------------------------------------------


def test_a_key_is_required_when_configured(assistant: Assistant) -> None:
    with live_server(create_app(assistant, admin_key=KEY)) as url:
        anonymous = openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            anonymous.models.list()
        error = assert_openai_error(httpx.get(f"{url}/v1/users/a/memories"), 401)
        assert error["code"] == "invalid_api_key"
        keyed = openai.OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0)
        reply = keyed.chat.completions.create(model="rapport", user="a", messages=[{"role": "user", "content": "hi"}])
        assert reply.choices[0].message.content == "You said: hi"
        assert httpx.get(f"{url}/v1/users/a/memories", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


def test_loopback_rules() -> None:
    assert all(is_loopback(h) for h in ["127.0.0.1", "localhost", "::1", "[::1]", "127.8.9.10"])
    assert not any(is_loopback(h) for h in ["0.0.0.0", "::", "192.168.1.4", "example.com"])
    check_bind("127.0.0.1", None)
    check_bind("0.0.0.0", KEY)
    for key in (None, "", "   "):
        with pytest.raises(InvalidInputError, match="RAPPORT_ADMIN_KEY"):
            check_bind("0.0.0.0", key)


def test_serve_refuses_a_public_host_without_a_key(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.delenv("RAPPORT_API_KEY", raising=False)
    monkeypatch.delenv("RAPPORT_ADMIN_KEY", raising=False)
    assert cli_main(["serve", "--host", "0.0.0.0", "--port", str(free_port())]) == 2
    assert "set RAPPORT_ADMIN_KEY" in capsys.readouterr().err


def test_serve_names_a_port_in_use(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InvalidInputError, match=f"cannot listen on 127.0.0.1:{port}"):
            check_port_free("127.0.0.1", port)
        assert cli_main(["serve", "--port", str(port)]) == 2
    assert f"127.0.0.1:{port}" in capsys.readouterr().err


# -- the real `rapport serve` process, on the openai provider --------------------------------------------------


def scripted_llm(body: dict[str, Any]) -> Any:
    """An OpenAI-compatible "LLM" for the end-to-end test: no tools, fixed readings, replies by question."""
    from tests.test_openai_provider import chat_json, chat_stream

    messages = body["messages"]
    last_user = [m["content"] for m in messages if m["role"] == "user"][-1]
    if body.get("stream"):
        return chat_stream(["You live", " in Berlin."] if "Where" in last_user else ["Nice", " to meet you!"])
    if "response_format" in body or "JSON schema" in str(messages[0].get("content")):
        if any("Read one message a user sent" in str(m["content"]) for m in messages):  # the turn's Reading
            if "Where" in last_user:
                return chat_json('{"ask": "recall", "question": "Where do I live?", "focus": "home"}')
            return chat_json('{"social": ["greeting"], "statements": [{"text": "I live in Berlin", "slot": "home"}]}')
        if '"memories"' in str(messages[0]["content"]):
            return chat_json('{"memories": [{"text": "I live in Berlin", "kind": "fact"}]}')
        return chat_json('{"action": "add"}')
    return chat_json("")


@pytest.mark.slow
def test_rapport_serve_end_to_end_on_the_openai_provider(tmp_path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.test_openai_provider import ScriptedEndpoint

    llm = ScriptedEndpoint()
    llm.fallback = scripted_llm
    port = free_port()
    with live_server(llm.app) as llm_url:
        env = {
            **os.environ,
            "RAPPORT_DATA_DIR": str(tmp_path / "data"),
            "RAPPORT_LLM_PROVIDER": "openai",
            "RAPPORT_LLM_BASE_URL": f"{llm_url}/v1",
            "RAPPORT_LLM_MODEL": "scripted",
            "RAPPORT_API_KEY": KEY,
        }
        command = [sys.executable, "-m", "agent.cli", "serve", "--port", str(port)]
        server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{url}/v1/models", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None and time.monotonic() < deadline, server.stdout.read()
                time.sleep(0.3)
            client = openai.OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0, timeout=120)
            first = [{"role": "user", "content": "Hi! I live in Berlin."}]
            chunks = client.chat.completions.create(model="rapport", user="alice", messages=first, stream=True)
            assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Nice to meet you!"
            memories: list[str] = []
            while not memories and time.monotonic() < deadline:  # written after the reply, off its path
                found = httpx.get(f"{url}/v1/users/alice/memories", headers={"Authorization": f"Bearer {KEY}"})
                memories = [m["text"] for m in found.json()["data"]]
                time.sleep(0.3)
            assert memories == ["I live in Berlin"]
            question = [{"role": "user", "content": "Where do I live?"}]
            reply = client.chat.completions.create(
                model="rapport", user="alice", messages=question, extra_headers={"X-Rapport-Thread": "another"}
            )
            assert reply.choices[0].message.content == "You live in Berlin."
            assert "I live in Berlin" in [m["text"] for m in reply.model_extra["rapport"]["recalled"]]
            assert any("tools" in body for _, body in llm.requests), "the openai provider offers the tools"
        finally:
            server.send_signal(signal.SIGINT)
            output, _ = server.communicate(timeout=30)
        assert server.returncode == 0, output
        assert f"on http://127.0.0.1:{port}/v1 (bearer key required)" in output


def test_concurrent_requests_for_several_users(client: openai.OpenAI, assistant: Assistant) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def talk(index: int) -> str:
        user, stream = f"user{index % 3}", index % 2 == 0
        messages = [{"role": "user", "content": f"Message number {index}"}]
        if stream:
            chunks = client.chat.completions.create(model="rapport", user=user, messages=messages, stream=True)
            return "".join(c.choices[0].delta.content or "" for c in chunks)
        return client.chat.completions.create(model="rapport", user=user, messages=messages).choices[0].message.content

    with ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(pool.map(talk, range(12)))
    assert replies == [f"You said: Message number {i}" for i in range(12)]
    assert sum(len(turns(assistant, f"user{u}")) for u in range(3)) == 24


def test_a_client_that_leaves_mid_stream_does_not_break_the_thread(base_url: str, assistant: Assistant) -> None:
    body = {"model": "rapport", "user": "erin", "stream": True, "messages": [{"role": "user", "content": "a b c d e"}]}
    with httpx.stream("POST", f"{base_url}/v1/chat/completions", json=body, timeout=60) as response:
        assert response.status_code == 200
        next(response.iter_lines())  # read the first event, then hang up
    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0, timeout=60)
    reply = client.chat.completions.create(
        model="rapport", user="erin", messages=[{"role": "user", "content": "again"}]
    )
    assert reply.choices[0].message.content == "You said: again"
    assert turns(assistant, "erin")[-2:] == ["again", "You said: again"]
