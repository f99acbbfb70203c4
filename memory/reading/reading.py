"""One typed reading of one message: what every later step of a turn consumes.

The plan, the reply and the memory writer all take a ``Reading``; none of them reads the message
again. The embedded reader (``memory.reading.reader``) fills it from trained heads; a capable model
may fill the same schema itself.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .labels import ASKING_ACTS, SOCIAL_ACTS, Act, Change, Slot

PREFERENCE_SLOTS = frozenset({Slot.LIKE, Slot.DISLIKE, Slot.DIET, Slot.ALLERGY, Slot.BUDGET})
EVENT_SLOTS = frozenset({Slot.PLAN})


class Statement(BaseModel):
    """Something the user told about themselves or their life, in their words."""

    text: str
    slot: Slot = Slot.OTHER
    need: bool = False  # should change advice: a constraint, restriction or strong preference
    change: Change = Change.NONE
    values: list[str] = Field(default_factory=list, description="names, numbers and dates, as written")

    @property
    def kind(self) -> Literal["fact", "preference", "event"]:
        if self.slot in PREFERENCE_SLOTS or self.need:
            return "preference"
        return "event" if self.slot in EVENT_SLOTS else "fact"


class Sentence(BaseModel):
    text: str
    act: Act
    confidence: float = 1.0


class Reading(BaseModel):
    """The whole message: its social moves, its statements, and the one thing it asks (if any)."""

    message: str
    sentences: list[Sentence] = Field(default_factory=list)
    statements: list[Statement] = Field(default_factory=list)
    ask: Act | None = None  # one of ASKING_ACTS
    question: str = ""  # the sentence that asks, or what to forget
    focus: Slot | None = None  # for recall / about_me: the part of life asked about (None: everything)
    name: str | None = None  # a name the user introduced themselves with

    @property
    def social(self) -> list[Act]:
        return [s.act for s in self.sentences if s.act in SOCIAL_ACTS]

    @property
    def context(self) -> list[str]:
        """The sentences that tell: the background of a request ("She loves gardening.")."""
        return [s.text for s in self.sentences if s.act is Act.TELL]

    def model_post_init(self, _context: object) -> None:
        if self.ask is not None and self.ask not in ASKING_ACTS:
            raise ValueError(f"ask must be one of {sorted(ASKING_ACTS)}, not {self.ask}")
