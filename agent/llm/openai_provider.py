"""Chat models behind any OpenAI-compatible endpoint (OpenAI, vLLM, llama.cpp server, Ollama).

Uses the official ``openai`` client, so retries with exponential backoff, timeouts and streaming are
the library's; this module only maps Rapport's protocol onto it and turns every transport failure
into a ``ModelUnavailableError`` that names the URL (the CLI and the server print it, never a traceback).

``score`` needs prompt log-probabilities (``/v1/completions`` with ``echo`` and ``logprobs``): vLLM and
older OpenAI models give them; an endpoint that does not raises ``ModelUnavailableError`` saying so.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

import prompts
from memory.errors import InvalidInputError

from .base import Message, ToolCall
from .errors import LLMOutputError, ModelUnavailableError
from .jsonout import schema_text
from .openai_wire import parse_tool_call, repair_json, to_openai_message, to_openai_tool

if TYPE_CHECKING:
    import openai

    from agent.settings import Settings

ModelT = TypeVar("ModelT", bound=BaseModel)
T = TypeVar("T")


class OpenAIModel:
    """A model served over the OpenAI API; implements ``ChatModel`` and ``ToolCallingModel``."""

    supports_tools = True

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        model: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
    ) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self.model = model
        self.timeout = timeout
        self.max_retries = max_retries
        self._client: openai.OpenAI | None = None
        self._lock = threading.Lock()
        self._json_mode = True  # cleared when the endpoint rejects response_format

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIModel:
        """A model configured from ``RAPPORT_LLM_*`` settings; nothing is contacted yet."""
        return cls(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key,
            model=settings.llm_model,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
        )

    # -- connection --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The endpoint, for messages."""
        return self.base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"

    @property
    def client(self) -> openai.OpenAI:
        if self._client is None:
            import openai

            key = self.api_key or os.environ.get("OPENAI_API_KEY")
            if not key:
                if self.base_url is None:
                    raise ModelUnavailableError(
                        "the openai provider needs an API key for api.openai.com: set RAPPORT_LLM_API_KEY, "
                        "or RAPPORT_LLM_BASE_URL for a local OpenAI-compatible server"
                    )
                key = "not-needed"  # local servers (vLLM, llama.cpp, Ollama) accept any key
            self._client = openai.OpenAI(
                base_url=self.base_url, api_key=key, timeout=self.timeout, max_retries=self.max_retries
            )
        return self._client

    def model_name(self) -> str:
        """``RAPPORT_LLM_MODEL``, or the endpoint's first model (one-model servers such as llama.cpp)."""
        if self.model is None:
            with self._lock:
                if self.model is None:
                    models = self._call(lambda: list(self.client.models.list()))
                    if not models:
                        raise ModelUnavailableError(
                            f"the endpoint at {self.url} lists no models: set RAPPORT_LLM_MODEL"
                        )
                    self.model = models[0].id
        return self.model

    def _call(self, request: Callable[[], T]) -> T:
        """Run one API request, turning the client's failures into Rapport errors that name the URL."""
        import openai

        try:
            return request()
        except openai.APITimeoutError:
            raise ModelUnavailableError(
                f"the chat endpoint at {self.url} did not answer within {self.timeout:g} s "
                f"({self.max_retries} retries): raise RAPPORT_LLM_TIMEOUT or check the server"
            ) from None
        except openai.APIConnectionError as error:
            cause = error.__cause__ or error
            raise ModelUnavailableError(
                f"cannot reach the chat endpoint at {self.url} ({type(cause).__name__}: {cause}): "
                "is the server running? Check RAPPORT_LLM_BASE_URL"
            ) from None
        except (openai.AuthenticationError, openai.PermissionDeniedError) as error:
            raise ModelUnavailableError(
                f"the chat endpoint at {self.url} refused the API key ({error.status_code}): set RAPPORT_LLM_API_KEY"
            ) from None
        except openai.APIStatusError as error:
            raise ModelUnavailableError(
                f"the chat endpoint at {self.url} answered {error.status_code}: {_status_message(error)}"
            ) from None
        except openai.APIError as error:  # e.g. an error event inside a stream
            raise ModelUnavailableError(f"the chat endpoint at {self.url} failed: {error.message}") from None

    def _stream(self, open_stream: Callable[[], Any], piece: Callable[[Any], str | None]) -> Iterator[str]:
        """Yield the non-empty text pieces of a streamed response; failures mid-stream map like ``_call``."""
        stream = self._call(open_stream)
        iterator = iter(stream)
        try:
            while True:
                chunk = self._call(lambda: next(iterator, None))
                if chunk is None:
                    return
                text = piece(chunk)
                if text:
                    yield text
        finally:
            stream.close()

    # -- chat --------------------------------------------------------------------------------

    def _chat_args(
        self, messages: Sequence[Message], max_tokens: int, stop: Sequence[str] | None, temperature: float
    ) -> dict[str, Any]:
        if max_tokens < 1:
            raise InvalidInputError("max_tokens", f"must be at least 1, got {max_tokens}")
        args: dict[str, Any] = {
            "model": self.model_name(),
            "messages": [to_openai_message(message) for message in messages],
            "max_tokens": max_tokens,
            "temperature": max(temperature, 0.0),
        }
        if stop:
            args["stop"] = list(stop)
        return args

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
    ) -> str:
        """The assistant's next reply, whole."""
        args = self._chat_args(messages, max_tokens, stop, temperature)
        response = self._call(lambda: self.client.chat.completions.create(**args))
        return _first_choice(response, self.url).message.content or ""

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
    ) -> Iterator[str]:
        """The reply in pieces as the endpoint sends them; joined they equal ``complete``'s text."""
        args = self._chat_args(messages, max_tokens, stop, temperature)
        yield from self._stream(
            lambda: self.client.chat.completions.create(**args, stream=True),
            lambda chunk: chunk.choices[0].delta.content if chunk.choices else None,
        )

    def complete_json(
        self,
        messages: Sequence[Message],
        schema: type[ModelT],
        *,
        max_tokens: int = 256,
    ) -> ModelT:
        """A reply validated into ``schema``: JSON mode where the endpoint has it, repair, one retry, then an error.

        The schema goes into a system message (JSON mode alone does not say which object). A reply
        that does not parse or validate even after repair is shown back to the model with the problem
        once; a second failure raises ``LLMOutputError`` carrying the raw reply.
        """
        instruction = Message(
            role="system", content=prompts.render("json_chat_instruction", schema=schema_text(schema, for_prompt=True))
        )
        turns = [instruction, *messages]
        reply = self._json_reply(turns, max_tokens)
        try:
            return repair_json(reply, schema)
        except LLMOutputError as error:
            turns += [
                Message(role="assistant", content=reply),
                Message(role="user", content=prompts.render("json_chat_retry", problem=error).rstrip()),
            ]
        reply = self._json_reply(turns, max_tokens)
        try:
            return repair_json(reply, schema)
        except LLMOutputError as error:
            raise LLMOutputError(f"no valid {schema.__name__} after a retry: {error}", raw=error.raw) from None

    def _json_reply(self, messages: Sequence[Message], max_tokens: int) -> str:
        import openai

        args = self._chat_args(messages, max_tokens, None, 0.0)

        def request() -> Any:
            if self._json_mode:
                try:
                    return self.client.chat.completions.create(**args, response_format={"type": "json_object"})
                except openai.BadRequestError:
                    response = self.client.chat.completions.create(**args)
                    self._json_mode = False  # no JSON mode here: ask in words only from now on
                    return response
            return self.client.chat.completions.create(**args)

        return _first_choice(self._call(request), self.url).message.content or ""

    def complete_with_tools(
        self, messages: Sequence[Message], tools: Sequence[dict[str, Any]], *, max_tokens: int = 512
    ) -> tuple[str, list[ToolCall]]:
        """The reply text and the tool calls the model asked for (an empty list means it answered)."""
        args = self._chat_args(messages, max_tokens, None, 0.0)
        if tools:
            args["tools"] = [to_openai_tool(tool) for tool in tools]
        response = self._call(lambda: self.client.chat.completions.create(**args))
        message = _first_choice(response, self.url).message
        calls = [
            parse_tool_call(call.id, call.function.name, call.function.arguments)
            for call in message.tool_calls or []
            if getattr(call, "type", "function") == "function"
        ]
        return message.content or "", calls

    # -- raw completion ----------------------------------------------------------------------

    def _completion_args(
        self, prompt: str, max_tokens: int, stop: Sequence[str] | None, temperature: float
    ) -> dict[str, Any]:
        if max_tokens < 1:
            raise InvalidInputError("max_tokens", f"must be at least 1, got {max_tokens}")
        args: dict[str, Any] = {
            "model": self.model_name(),
            "prompt": prompt,
            "max_tokens": max_tokens,
            "temperature": max(temperature, 0.0),
        }
        if stop:
            args["stop"] = list(stop)
        return args

    def generate(
        self,
        prompt: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
    ) -> str:
        """Raw completion of ``prompt`` through ``/v1/completions``."""
        args = self._completion_args(prompt, max_tokens, stop, temperature)
        response = self._call(lambda: self.client.completions.create(**args))
        return _first_choice(response, self.url).text

    def stream_text(
        self,
        prompt: str,
        *,
        max_tokens: int = 256,
        stop: Sequence[str] | None = None,
        temperature: float = 0.0,
    ) -> Iterator[str]:
        """Raw completion of ``prompt``, streamed."""
        args = self._completion_args(prompt, max_tokens, stop, temperature)
        yield from self._stream(
            lambda: self.client.completions.create(**args, stream=True),
            lambda chunk: chunk.choices[0].text if chunk.choices else None,
        )

    def score(self, prompt: str, options: Sequence[str]) -> list[float]:
        """Sum of the log-probabilities of each option's tokens after ``prompt``.

        Uses ``/v1/completions`` with ``echo`` and ``logprobs``: the endpoint returns the prompt's own
        token log-probabilities, and the tokens from the end of ``prompt`` on are the option's (a token
        that straddles the boundary counts for the option). Endpoints without prompt log-probabilities
        (chat-only servers, current OpenAI chat models) raise ``ModelUnavailableError``: use the local
        provider, or a server such as vLLM, for likelihood classification. An empty option scores 0.0.
        """
        return [self._score_one(prompt, option) if option else 0.0 for option in options]

    def _score_one(self, prompt: str, option: str) -> float:
        import openai

        text = prompt + option

        def request() -> Any:
            try:
                return self.client.completions.create(
                    model=self.model_name(), prompt=text, max_tokens=1, echo=True, logprobs=1, temperature=0.0
                )
            except (openai.BadRequestError, openai.NotFoundError, openai.UnprocessableEntityError) as error:
                raise self._cannot_score(f"{error.status_code}: {_status_message(error)}") from None

        response = self._call(request)
        logprobs = _first_choice(response, self.url).logprobs
        if logprobs is None or not logprobs.token_logprobs or not logprobs.text_offset:
            raise self._cannot_score("it returned no log-probabilities")
        start, end = len(prompt), len(text)
        total = 0.0
        for offset, token, value in zip(
            logprobs.text_offset, logprobs.tokens or [], logprobs.token_logprobs, strict=False
        ):
            if offset >= end:
                break  # the generated token after the echo
            if offset + len(token) > start:
                if value is None:
                    raise self._cannot_score("it left an option token without a log-probability")
                total += value
        return total

    def _cannot_score(self, why: str) -> ModelUnavailableError:
        return ModelUnavailableError(
            f"the endpoint at {self.url} cannot score options ({why}): scoring needs /v1/completions with echo "
            "and logprobs (vLLM has it); use RAPPORT_LLM_PROVIDER=local for likelihood classification"
        )


def _first_choice(response: Any, url: str) -> Any:
    choices = getattr(response, "choices", None)
    if not choices:
        raise LLMOutputError(f"the endpoint at {url} returned no choices", raw=str(response)[:1000])
    return choices[0]


def _status_message(error: openai.APIStatusError) -> str:
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return error.message
