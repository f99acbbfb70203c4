"""The openai provider against a real HTTP server on loopback that scripts an OpenAI-compatible endpoint.

The scripted endpoint stands in for an LLM (tests only): each test queues the replies it wants and
checks both what the provider returns and what it sent.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from agent.llm import get_chat_model
from agent.llm.base import ChatModel, Message, ToolCall
from agent.llm.errors import LLMOutputError, ModelUnavailableError
from agent.llm.openai_provider import OpenAIModel
from agent.settings import Settings
from tests.live_server import free_port, live_server

Reply = Callable[[dict[str, Any]], Any]


def chat_json(content: str | None, *, tool_calls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "scripted",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if tool_calls else "stop"}],
    }


def sse(events: list[dict[str, Any]]) -> StreamingResponse:
    async def body() -> Any:
        for event in events:
            yield f"data: {json.dumps(event)}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(body(), media_type="text/event-stream")


def chat_stream(pieces: list[str]) -> StreamingResponse:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "scripted",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    events = [chunk({"role": "assistant", "content": ""})] + [chunk({"content": p}) for p in pieces]
    return sse(events + [chunk({}, "stop")])


def text_json(text: str, logprobs: dict[str, Any] | None = None) -> dict[str, Any]:
    choice = {"index": 0, "text": text, "finish_reason": "stop", "logprobs": logprobs}
    return {"id": "cmpl-1", "object": "text_completion", "created": 0, "model": "scripted", "choices": [choice]}


class ScriptedEndpoint:
    """An OpenAI-compatible HTTP endpoint whose replies the test queues; records every request body."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.fallback: Reply | None = None  # answers when nothing is queued
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._handle, methods=["POST"]),
                Route("/v1/completions", self._handle, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
            ]
        )

    def then(self, reply: Reply | dict[str, Any] | Response) -> ScriptedEndpoint:
        fixed = isinstance(reply, dict | Response)
        self.replies.append((lambda _body, r=reply: r) if fixed else reply)
        return self

    def bodies(self, path: str = "/v1/chat/completions") -> list[dict[str, Any]]:
        return [body for p, body in self.requests if p == path]

    async def _handle(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append((request.url.path, body))
        if self.replies:
            reply = self.replies.popleft()(body)
        elif self.fallback is not None:
            reply = self.fallback(body)
        else:
            return JSONResponse({"error": {"message": "nothing scripted", "type": "test"}}, status_code=500)
        if asyncio.iscoroutine(reply):
            reply = await reply
        return reply if isinstance(reply, Response) else JSONResponse(reply)

    async def _models(self, request: Request) -> Response:
        self.requests.append((request.url.path, {}))
        return JSONResponse({"object": "list", "data": [{"id": "scripted-7b", "object": "model", "created": 0}]})


@pytest.fixture(scope="module")
def endpoint_server() -> Iterator[tuple[ScriptedEndpoint, str]]:
    scripted = ScriptedEndpoint()
    with live_server(scripted.app) as url:
        yield scripted, url


@pytest.fixture
def endpoint(endpoint_server: tuple[ScriptedEndpoint, str]) -> ScriptedEndpoint:
    scripted, _ = endpoint_server
    scripted.replies.clear()
    scripted.requests.clear()
    scripted.fallback = None
    return scripted


@pytest.fixture
def model(endpoint_server: tuple[ScriptedEndpoint, str]) -> OpenAIModel:
    _, url = endpoint_server
    return OpenAIModel(base_url=f"{url}/v1", model="scripted", timeout=5, max_retries=0)


HELLO = [Message(role="system", content="Be brief."), Message(role="user", content="Hi there")]


def test_factory_builds_the_openai_provider_from_settings() -> None:
    settings = Settings(llm_provider="openai", llm_base_url="http://127.0.0.1:9/v1", llm_model="m", llm_timeout=3)
    model = get_chat_model(settings)
    assert isinstance(model, OpenAIModel) and isinstance(model, ChatModel)
    assert (model.base_url, model.model, model.timeout, model.supports_tools) == ("http://127.0.0.1:9/v1", "m", 3, True)


def test_complete_sends_the_conversation_and_returns_the_reply(endpoint: ScriptedEndpoint, model: OpenAIModel) -> None:
    endpoint.then(chat_json("Hello!"))
    assert model.complete(HELLO, max_tokens=20, stop=["\n\n"], temperature=0.3) == "Hello!"
    body = endpoint.bodies()[0]
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi there"}]
    assert (body["model"], body["max_tokens"], body["stop"], body["temperature"]) == ("scripted", 20, ["\n\n"], 0.3)


def test_streaming_equals_non_streaming(endpoint: ScriptedEndpoint, model: OpenAIModel) -> None:
    text = "Paris is the capital of France."
    endpoint.then(chat_json(text)).then(chat_stream(["Paris", " is the", " capital", " of France."]))
    whole = model.complete(HELLO)
    pieces = list(model.stream(HELLO))
    assert pieces == ["Paris", " is the", " capital", " of France."]
    assert "".join(pieces) == whole == text
    assert endpoint.bodies()[1]["stream"] is True


def test_model_name_comes_from_the_endpoint_when_unset(endpoint: ScriptedEndpoint, endpoint_server) -> None:
    _, url = endpoint_server
    endpoint.then(chat_json("ok"))
    model = OpenAIModel(base_url=f"{url}/v1", max_retries=0)
    assert model.complete(HELLO) == "ok"
    assert endpoint.bodies()[0]["model"] == "scripted-7b"


class Pick(BaseModel):
    city: str
    confidence: float


def test_json_mode_and_code_fence_repair(endpoint: ScriptedEndpoint, model: OpenAIModel) -> None:
    endpoint.then(chat_json('Sure! ```json\n{"city": "Berlin", "confidence": 0.9}\n``` Anything else?'))
    assert model.complete_json(HELLO, Pick) == Pick(city="Berlin", confidence=0.9)
    body = endpoint.bodies()[0]
    assert body["response_format"] == {"type": "json_object"}
    assert body["messages"][0]["role"] == "system" and '"city"' in body["messages"][0]["content"]
    assert len(endpoint.bodies()) == 1


def test_invalid_json_is_retried_once_with_the_problem(endpoint: ScriptedEndpoint, model: OpenAIModel) -> None:
    endpoint.then(chat_json('{"city": "Berlin"}')).then(chat_json('{"city": "Berlin", "confidence": 1}'))
    assert model.complete_json(HELLO, Pick) == Pick(city="Berlin", confidence=1.0)
    retry = endpoint.bodies()[1]["messages"]
    assert retry[-2] == {"role": "assistant", "content": '{"city": "Berlin"}'}
    assert retry[-1]["role"] == "user" and "confidence" in retry[-1]["content"]


def test_json_that_fails_twice_is_a_clear_error(endpoint: ScriptedEndpoint, model: OpenAIModel) -> None:
    endpoint.then(chat_json("I think Berlin.")).then(chat_json("{not json"))
    with pytest.raises(LLMOutputError, match="no valid Pick after a retry") as caught:
        model.complete_json(HELLO, Pick)
    assert caught.value.raw == "{not json"
    assert len(endpoint.bodies()) == 2


def test_endpoint_without_json_mode_is_asked_in_words(endpoint: ScriptedEndpoint, model: OpenAIModel) -> None:
    refusal = JSONResponse({"error": {"message": "response_format not supported", "type": "x"}}, status_code=400)
    endpoint.then(refusal).then(chat_json('{"city": "Rome", "confidence": 0.5}'))
    endpoint.then(chat_json('{"city": "Oslo", "confidence": 0.4}'))
    assert model.complete_json(HELLO, Pick).city == "Rome"
    assert model.complete_json(HELLO, Pick).city == "Oslo"
    sent = endpoint.bodies()
    assert "response_format" in sent[0] and "response_format" not in sent[1] and "response_format" not in sent[2]


TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "search_memory",
            "description": "Find what the user said before.",
            "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
        },
    },
    {"name": "remember", "description": "Store a fact.", "parameters": {"type": "object", "properties": {}}},
]


def test_tool_calls_are_parsed(endpoint: ScriptedEndpoint, model: OpenAIModel) -> None:
    calls = [
        {"id": "call_1", "type": "function", "function": {"name": "search_memory", "arguments": '{"query": "sister"}'}},
        {"id": "call_2", "type": "function", "function": {"name": "remember", "arguments": ""}},
    ]
    endpoint.then(chat_json(None, tool_calls=calls))
    text, parsed = model.complete_with_tools(HELLO, TOOLS)
    assert text == ""
    assert parsed == [
        ToolCall(id="call_1", name="search_memory", arguments={"query": "sister"}),
        ToolCall(id="call_2", name="remember", arguments={}),
    ]
    sent = endpoint.bodies()[0]["tools"]
    assert sent[0] == TOOLS[0] and sent[1] == {"type": "function", "function": TOOLS[1]}


def test_tool_results_go_back_in_the_wire_format(endpoint: ScriptedEndpoint, model: OpenAIModel) -> None:
    endpoint.then(chat_json("Your sister lives in Lisbon."))
    call = ToolCall(id="call_1", name="search_memory", arguments={"query": "sister"})
    history = [
        *HELLO,
        Message(role="assistant", content="", tool_calls=[call]),
        Message(role="tool", content="My sister Anna lives in Lisbon", tool_call_id="call_1"),
    ]
    assert model.complete_with_tools(history, TOOLS) == ("Your sister lives in Lisbon.", [])
    sent = endpoint.bodies()[0]["messages"]
    assert sent[2] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "search_memory", "arguments": '{"query": "sister"}'},
            }
        ],
    }
    assert sent[3] == {"role": "tool", "tool_call_id": "call_1", "content": "My sister Anna lives in Lisbon"}


def test_tool_arguments_that_are_not_an_object_are_an_error(endpoint: ScriptedEndpoint, model: OpenAIModel) -> None:
    calls = [{"id": "c", "type": "function", "function": {"name": "remember", "arguments": "[1, 2"}}]
    endpoint.then(chat_json(None, tool_calls=calls))
    with pytest.raises(LLMOutputError, match="'remember' with arguments that are not a JSON object"):
        model.complete_with_tools(HELLO, TOOLS)


def test_generate_and_stream_text_use_the_completions_endpoint(endpoint: ScriptedEndpoint, model: OpenAIModel) -> None:
    def piece(text: str) -> dict[str, Any]:
        return {
            "id": "c",
            "object": "text_completion",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, "text": text}],
        }

    endpoint.then(text_json(" Berlin.")).then(sse([piece(" Ber"), piece("lin.")]))
    assert model.generate("Capital of Germany:", max_tokens=5, stop=["\n"]) == " Berlin."
    assert "".join(model.stream_text("Capital of Germany:")) == " Berlin."
    first = endpoint.bodies("/v1/completions")[0]
    assert (first["prompt"], first["max_tokens"], first["stop"]) == ("Capital of Germany:", 5, ["\n"])


def test_score_sums_the_option_tokens_log_probabilities(endpoint: ScriptedEndpoint, model: OpenAIModel) -> None:
    def echo(body: dict[str, Any]) -> dict[str, Any]:
        assert body["echo"] is True and body["logprobs"] == 1
        option_logprob = {" yes": -0.25, " no": -2.0}[body["prompt"][len("Is it? A:") :]]
        logprobs = {
            "tokens": ["Is", " it", "?", " A", ":", body["prompt"][len("Is it? A:") :], "\n"],
            "text_offset": [0, 2, 5, 6, 8, 9, len(body["prompt"])],
            "token_logprobs": [None, -1.0, -1.0, -1.0, -1.0, option_logprob, -0.1],
        }
        return text_json(body["prompt"] + "\n", logprobs)

    endpoint.then(echo).then(echo)
    assert model.score("Is it? A:", [" yes", " no", ""]) == [-0.25, -2.0, 0.0]


def test_an_endpoint_that_cannot_score_says_so(endpoint: ScriptedEndpoint, model: OpenAIModel) -> None:
    endpoint.then(JSONResponse({"error": {"message": "echo is not supported"}}, status_code=400))
    with pytest.raises(ModelUnavailableError, match=r"cannot score options \(400: echo is not supported\)"):
        model.score("Q:", [" a"])
    endpoint.then(text_json("Q: a"))  # answers, but without log-probabilities
    with pytest.raises(ModelUnavailableError, match="returned no log-probabilities"):
        model.score("Q:", [" a"])


def test_a_dead_endpoint_names_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    model = OpenAIModel(base_url=url, model="m", timeout=2, max_retries=0)
    with pytest.raises(ModelUnavailableError, match=f"cannot reach the chat endpoint at {url}"):
        model.complete(HELLO)
    with pytest.raises(ModelUnavailableError, match=url):
        list(model.stream(HELLO))


def test_a_slow_endpoint_times_out_with_a_clear_message(endpoint: ScriptedEndpoint, model: OpenAIModel) -> None:
    async def slow(_body: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(3)
        return chat_json("too late")

    endpoint.then(slow)
    model.timeout = 0.5
    started = time.monotonic()
    with pytest.raises(ModelUnavailableError, match=r"did not answer within 0.5 s .*RAPPORT_LLM_TIMEOUT"):
        model.complete(HELLO)
    assert time.monotonic() - started < 2.5


def test_transient_failures_are_retried_with_backoff(endpoint: ScriptedEndpoint, endpoint_server) -> None:
    _, url = endpoint_server
    busy = JSONResponse({"error": {"message": "overloaded"}}, status_code=503)
    endpoint.then(busy).then(chat_json("made it"))
    model = OpenAIModel(base_url=f"{url}/v1", model="m", timeout=5, max_retries=1)
    assert model.complete(HELLO) == "made it"
    assert len(endpoint.bodies()) == 2


def test_errors_from_the_endpoint_are_rapport_errors(endpoint: ScriptedEndpoint, model: OpenAIModel) -> None:
    endpoint.then(JSONResponse({"error": {"message": "bad key"}}, status_code=401))
    with pytest.raises(ModelUnavailableError, match="refused the API key.*RAPPORT_LLM_API_KEY"):
        model.complete(HELLO)
    endpoint.then(JSONResponse({"error": {"message": "model 'x' not found"}}, status_code=404))
    with pytest.raises(ModelUnavailableError, match="answered 404: model 'x' not found"):
        model.complete(HELLO)


def test_an_error_inside_a_stream_is_a_rapport_error(endpoint: ScriptedEndpoint, model: OpenAIModel) -> None:
    endpoint.then(sse([{"error": {"message": "the GPU fell over", "type": "server_error"}}]))
    with pytest.raises(ModelUnavailableError, match="the GPU fell over"):
        list(model.stream(HELLO))


def test_openai_without_a_key_asks_for_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ModelUnavailableError, match="RAPPORT_LLM_API_KEY"):
        OpenAIModel(model="gpt-4o-mini").complete(HELLO)
