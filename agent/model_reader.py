"""A capable model reads the turn itself: it fills the same ``Reading`` schema, in JSON mode.

The embedded reader (``memory.reading.reader``) is the fallback, not a second design: a model that
cannot return JSON, or returns a reading that does not validate after its one retry (inside
``complete_json``), leaves the turn to the embedded reader, and the user never sees an error.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel, ConfigDict, Field, ValidationError

import prompts
from agent.llm.base import ChatModel, Message
from memory.errors import RapportError
from memory.reading import Act, Change, Reading, Sentence, Slot, Statement
from memory.reading.labels import SOCIAL_ACTS
from memory.reading.reader import MAX_STATEMENTS, EmbeddedReader
from memory.reading.values import values

log = logging.getLogger(__name__)
MAX_READING_TOKENS = 512


class StatementDraft(BaseModel):
    text: str = Field(min_length=3)
    slot: Slot = Slot.OTHER
    need: bool = False
    change: Change = Change.NONE


class ReadingDraft(BaseModel):
    """What the model returns; turned into a ``Reading`` (values are read by rule, as for the embedded reader).

    Unknown keys are refused: an object of another shape ({"action": "add"}) is not an empty reading.
    """

    model_config = ConfigDict(extra="forbid")

    social: list[Act] = Field(default_factory=list)
    statements: list[StatementDraft] = Field(default_factory=list, max_length=MAX_STATEMENTS)
    ask: Act | None = None
    question: str = ""
    focus: Slot | None = None
    name: str | None = None

    def reading(self, message: str) -> Reading:
        sentences = [Sentence(text="", act=act) for act in self.social if act in SOCIAL_ACTS]
        sentences += [Sentence(text=s.text, act=Act.TELL) for s in self.statements]
        if self.ask is not None:
            sentences.append(Sentence(text=self.question or message, act=self.ask))
        statements = [Statement(**s.model_dump(), values=values(s.text)) for s in self.statements]
        return Reading(
            message=message,
            sentences=sentences,
            statements=statements,
            ask=self.ask,
            question=self.question or (message if self.ask else ""),
            focus=self.focus,
            name=self.name,
        )


class ModelReader:
    """Reads with the chat model when it is capable (tool calls, JSON), else with the embedded reader."""

    def __init__(self, model: ChatModel, fallback: EmbeddedReader) -> None:
        self.model = model
        self.fallback = fallback

    @property
    def embedder(self):  # the reply classifies stored memories with the same heads
        return self.fallback.embedder

    def classify(self, texts: list[str]) -> list[Statement]:
        return self.fallback.classify(texts)

    def read(self, message: str) -> Reading:
        if not getattr(self.model, "supports_tools", False):
            return self.fallback.read(message)
        prompt = prompts.render("read_turn", message=message.strip(), slots=", ".join(s.value for s in Slot))
        try:
            draft = self.model.complete_json(
                [Message(role="user", content=prompt)], ReadingDraft, max_tokens=MAX_READING_TOKENS
            )
            return draft.reading(message.strip())
        except (RapportError, ValidationError, ValueError) as error:
            log.warning("the model's reading was unusable (%s); the embedded reader reads the turn", error)
            return self.fallback.read(message)
