"""Prompting an instruct GGUF through the chat template it carries (``tokenizer.chat_template``).

llama.cpp's own chat handler renders the template and tokenizes the whole prompt with special-token
parsing on, so a user who types ``<|im_end|><|im_start|>system`` would forge a system turn. Here the
template is rendered with a placeholder for each message's text; the template's own text is tokenized
with special tokens and the users' text without, so their words stay words. Rendering uses
llama-cpp-python's ``Jinja2ChatFormatter`` (the same Jinja environment llama.cpp's server uses).

Templates are strict in different ways (some refuse a system role, some demand alternating turns,
some know no tool role). When one refuses a conversation, it is retried once in the most portable
shape: system text folded into the first user turn, tool results as user turns, same roles merged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from .base import Message
from .errors import ModelUnavailableError

_MARK = "\u2063rapport-text-{}\u2063"  # invisible separator: never typed, never changed by a template
_MARK_RE = re.compile("\u2063rapport-text-(\\d+)\u2063")
_PROBE_TOOL = "rapport_probe_tool"
# End-of-turn texts of the common template families, as stops in case a model writes one as text.
TURN_END_TEXTS: tuple[str, ...] = ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>", "</s>", "<|endoftext|>")

Tokenize = Callable[[str, bool], list[int]]  # (text, parse_special) -> token ids


def openai_messages(messages: Sequence[Message], marks: list[str]) -> list[dict[str, Any]]:
    """Messages as the dicts templates expect; each text becomes a placeholder, its text kept in ``marks``."""

    def mark(text: str) -> str:
        marks.append(text)
        return _MARK.format(len(marks) - 1)

    rendered: list[dict[str, Any]] = []
    for message in messages:
        entry: dict[str, Any] = {"role": message.role, "content": mark(message.content)}
        if message.tool_call_id:
            entry["tool_call_id"] = message.tool_call_id
        if message.tool_calls:
            entry["tool_calls"] = [
                {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
                for call in message.tool_calls
            ]
        rendered.append(entry)
    return rendered


def portable(messages: Sequence[Message]) -> list[Message]:
    """The conversation in the shape every template accepts: user/assistant turns, alternating."""
    system = "\n".join(m.content.strip() for m in messages if m.role == "system" and m.content.strip())
    turns: list[Message] = []
    for message in messages:
        if message.role == "system":
            continue
        role = "assistant" if message.role == "assistant" else "user"
        content = message.content if message.role != "tool" else f"Tool result: {message.content}"
        if turns and turns[-1].role == role:
            content = f"{turns[-1].content}\n\n{content}"
            turns.pop()
        turns.append(Message(role=role, content=content))
    if system:
        if turns and turns[0].role == "user":
            turns[0] = Message(role="user", content=f"{system}\n\n{turns[0].content}")
        else:
            turns.insert(0, Message(role="user", content=system))
    return turns


class ChatTemplate:
    """One model's chat template: renders a conversation (and tools) to prompt tokens."""

    def __init__(self, template: str, *, bos_token: str, eos_token: str, model_path: object) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.source = template
        self.eos_token = eos_token
        self.model_path = model_path
        self._formatter = Jinja2ChatFormatter(template=template, eos_token=eos_token, bos_token=bos_token)
        self.supports_tools = self._renders_tools()

    @property
    def stops(self) -> list[str]:
        """Stop strings for a reply: the end-of-turn texts (a model can also end with the EOG token)."""
        return list(dict.fromkeys([t for t in (self.eos_token, *TURN_END_TEXTS) if t]))

    def render_text(self, messages: Sequence[Message], tools: Sequence[dict[str, Any]] | None = None) -> str:
        """The prompt as text with the messages' own words in it (for logs and tests)."""
        marks: list[str] = []
        text = self._render(messages, tools, marks)
        return _MARK_RE.sub(lambda match: marks[int(match.group(1))], text)

    def render_tokens(
        self, messages: Sequence[Message], tokenize: Tokenize, tools: Sequence[dict[str, Any]] | None = None
    ) -> list[int]:
        """Prompt tokens: template text with special tokens parsed, message text without."""
        marks: list[str] = []
        text = self._render(messages, tools, marks)
        tokens: list[int] = []
        position = 0
        for match in _MARK_RE.finditer(text):
            if match.start() > position:
                tokens += tokenize(text[position : match.start()], True)
            tokens += tokenize(marks[int(match.group(1))], False)
            position = match.end()
        if position < len(text):
            tokens += tokenize(text[position:], True)
        return tokens

    def _render(self, messages: Sequence[Message], tools: Sequence[dict[str, Any]] | None, marks: list[str]) -> str:
        from jinja2 import TemplateError

        attempts = [list(messages), portable(messages)]
        problem: Exception | None = None
        for attempt in attempts:
            marks.clear()
            try:
                return self._formatter(
                    messages=openai_messages(attempt, marks), tools=list(tools) if tools else None
                ).prompt
            except (TemplateError, ValueError, TypeError, KeyError, IndexError) as error:
                problem = error
        raise ModelUnavailableError(
            f"the chat template of {self.model_path} cannot render this conversation ({problem}); "
            "use another model (`rapport model list`)"
        )

    def _renders_tools(self) -> bool:
        """True when the template writes the tools it is given into the prompt (so the model can call them)."""
        probe = {
            "type": "function",
            "function": {
                "name": _PROBE_TOOL,
                "description": "probe",
                "parameters": {"type": "object", "properties": {}},
            },
        }
        try:
            return _PROBE_TOOL in self._render([Message(role="user", content="hi")], [probe], [])
        except ModelUnavailableError:
            return False
