"""Tool calling for a local instruct model whose chat template renders tools (Qwen2.5, Llama 3.x, ...).

The design around llama.cpp's limit (it returns tool calls only when ``tool_choice`` names one
function, never for "auto"): the tools go into the prompt through the model's own template, the
model answers greedily in the format it was trained on, and ``tool_text.read_tool_calls`` reads the
calls back. When a call names a known tool but its arguments cannot be read, the arguments are
written again the way llama.cpp does for a named ``tool_choice``: a grammar built from that tool's
parameter schema constrains the reply, so they always parse.

Models whose template has no tools (the bundled Gemma and SmolLM2) report ``supports_tools`` false,
and the agent's deterministic planner picks their tools instead.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .base import Message, ToolCall
from .errors import LLMOutputError
from .jsonout import close_json
from .openai_wire import parse_tool_call, to_openai_tool
from .tool_text import read_tool_calls

if TYPE_CHECKING:
    from llama_cpp import Llama

    from .chat_template import ChatTemplate


class LocalToolCalling:
    """Mixin of ``LocalModel``: ``complete_with_tools``."""

    template: ChatTemplate | None
    repeat_penalty: float
    _lock: threading.Lock

    if TYPE_CHECKING:  # provided by LocalModel

        @property
        def supports_tools(self) -> bool: ...
        def load(self) -> Llama: ...
        def _cap(self, max_tokens: int) -> int: ...
        def _run(
            self, tokens: list[int], max_tokens: int, stop: Sequence[str], temperature: float, **extra: Any
        ) -> str: ...
        def template_tokens(
            self, messages: Sequence[Message], max_tokens: int, tools: Sequence[dict[str, Any]] | None = None
        ) -> list[int]: ...
        def complete(self, messages: Sequence[Message], *, max_tokens: int = 256) -> str: ...

    def complete_with_tools(
        self, messages: Sequence[Message], tools: Sequence[dict[str, Any]], *, max_tokens: int = 512
    ) -> tuple[str, list[ToolCall]]:
        """The reply's prose and the tool calls the model asked for (none means it answered)."""
        if not tools or not self.supports_tools:
            return self.complete(messages, max_tokens=max_tokens), []
        schemas = [to_openai_tool(tool) for tool in tools]
        by_name = {schema["function"]["name"]: schema for schema in schemas}
        max_tokens = self._cap(max_tokens)
        self.load()
        assert self.template is not None
        tokens = self.template_tokens(messages, max_tokens, schemas)
        text = self._run(tokens, max_tokens, self.template.stops, 0.0, repeat_penalty=1.0)
        prose, found = read_tool_calls(text)
        calls: list[ToolCall] = []
        for index, call in enumerate(found):
            arguments = call.arguments
            if arguments is None and call.name in by_name:
                arguments = self.forced_arguments(messages, by_name[call.name], max_tokens)
            calls.append(ToolCall(id=f"call_{index}", name=call.name, arguments=arguments or {}))
        return prose, calls

    def forced_arguments(self, messages: Sequence[Message], tool: dict[str, Any], max_tokens: int) -> dict[str, Any]:
        """Arguments for ``tool`` written under a grammar from its parameter schema (llama.cpp's named tool_choice)."""
        from llama_cpp import LlamaGrammar

        function = tool["function"]
        parameters = function.get("parameters") or {"type": "object", "properties": {}}
        grammar = LlamaGrammar.from_json_schema(json.dumps(parameters), verbose=False)
        tokens = self.template_tokens(messages, max_tokens, [tool])
        assert self.template is not None
        # The repeat penalty keeps a small model from looping inside a string until max_tokens cuts it.
        text = self._run(
            tokens, max_tokens, self.template.stops, 0.0, repeat_penalty=self.repeat_penalty, grammar=grammar
        )
        try:
            return parse_tool_call("forced", function["name"], close_json(text)).arguments
        except LLMOutputError:  # unreadable even when closed: no arguments rather than invented ones
            return {}
