"""JSON replies from the local model: a worked-example prompt, a llama.cpp grammar, one retry.

A mixin of ``LocalModel`` (split from ``local.py``, one job per module).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

import prompts

from .base import Message
from .errors import LLMOutputError
from .jsonout import parse_reply, schema_text
from .transcript import render_turn, split_system

ModelT = TypeVar("ModelT", bound=BaseModel)
JSON_STOPS = ["\n###", "\nInput:", "\nSchema:"]


class JsonReplies:
    """``complete_json`` on top of ``generate``."""

    json_grammar: bool

    if TYPE_CHECKING:  # provided by LocalModel

        def generate(
            self,
            prompt: str,
            *,
            max_tokens: int = 256,
            stop: Sequence[str] | None = None,
            temperature: float = 0.0,
            grammar: Any = None,
        ) -> str: ...

    def complete_json(
        self,
        messages: Sequence[Message],
        schema: type[ModelT],
        *,
        max_tokens: int = 256,
    ) -> ModelT:
        """A reply validated into ``schema``, asked for once more with the error when it does not fit.

        A base model follows patterns, not instructions: the prompt (``prompts/json_reply.txt``) shows
        worked schema -> JSON examples, then the conversation as the input. With ``json_grammar`` the
        sampler is constrained by a llama.cpp grammar built from the schema, so the reply is always
        syntactically JSON (it can still be cut by ``max_tokens`` or break a constraint the grammar
        does not express). Without it, the text is parsed and validated. A second failure raises
        ``LLMOutputError`` carrying the raw reply: nothing is dropped silently.
        """
        system, turns = split_system(messages, default="")
        lines = ([f"System: {system}"] if system else []) + [render_turn(m) for m in turns]
        prompt = prompts.render(
            "json_reply", schema=schema_text(schema, for_prompt=True), input="\n".join(lines)
        ).rstrip()
        grammar = self._grammar(schema) if self.json_grammar else None
        reply = self.generate(prompt, max_tokens=max_tokens, stop=JSON_STOPS, grammar=grammar)
        try:
            return parse_reply(reply, schema)
        except LLMOutputError as error:
            retry = prompts.render("json_retry", prompt=prompt, reply=reply.strip(), problem=str(error)).rstrip()
        reply = self.generate(retry, max_tokens=max_tokens, stop=JSON_STOPS, grammar=grammar)
        try:
            return parse_reply(reply, schema)
        except LLMOutputError as error:
            raise LLMOutputError(f"no valid {schema.__name__} after a retry: {error}", raw=error.raw) from None

    def _grammar(self, schema: type[BaseModel]) -> Any:
        from llama_cpp import LlamaGrammar

        return LlamaGrammar.from_json_schema(schema_text(schema), verbose=False)
