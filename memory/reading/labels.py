"""The labels a turn is read into: what a sentence does, what a statement is about, how it changes things.

The classes are the contract between the labelled data (``evals/data/reading/LABELS.md``), the
trained heads (``memory/reading/heads.npz``) and every consumer of a ``Reading``. Which slots hold
one value at a time and which facts are safety facts is policy, written here once.
"""

from __future__ import annotations

from enum import StrEnum


class Act(StrEnum):
    """What one sentence of a message does."""

    TELL = "tell"
    RECALL = "recall"
    ABOUT_ME = "about_me"
    REQUEST = "request"
    RECOMMEND = "recommend"
    FORGET = "forget"
    CHAT = "chat"
    GREETING = "greeting"
    THANKS = "thanks"
    FAREWELL = "farewell"
    HOW_ARE_YOU = "how_are_you"
    WHO_ARE_YOU = "who_are_you"
    CAPABILITIES = "capabilities"
    ACKNOWLEDGEMENT = "acknowledgement"


SOCIAL_ACTS = frozenset(
    {
        Act.GREETING,
        Act.THANKS,
        Act.FAREWELL,
        Act.HOW_ARE_YOU,
        Act.WHO_ARE_YOU,
        Act.CAPABILITIES,
        Act.ACKNOWLEDGEMENT,
    }
)
ASKING_ACTS = frozenset({Act.RECALL, Act.ABOUT_ME, Act.REQUEST, Act.RECOMMEND, Act.FORGET, Act.CHAT})


class Slot(StrEnum):
    """What part of a person's life a statement (or a question about them) is about."""

    NAME = "name"
    AGE = "age"
    HOME = "home"
    ORIGIN = "origin"
    JOB = "job"
    EDUCATION = "education"
    PARTNER = "partner"
    FAMILY = "family"
    PEOPLE = "people"
    PET = "pet"
    DIET = "diet"
    ALLERGY = "allergy"
    HEALTH = "health"
    LIKE = "like"
    DISLIKE = "dislike"
    POSSESSION = "possession"
    PLAN = "plan"
    DATE = "date"
    BUDGET = "budget"
    ROUTINE = "routine"
    OTHER = "other"


class Change(StrEnum):
    """How a statement relates to what was true before it."""

    NONE = "none"
    ENDS = "ends"  # "I don't eat fish any more", "we split up"
    SWITCH = "switch"  # "moved to Leeds last month", "vegan since January"
    CORRECTION = "correction"  # "sorry, she's 8 not 7"


SINGLE_VALUED = frozenset({Slot.NAME, Slot.AGE, Slot.HOME, Slot.ORIGIN, Slot.JOB, Slot.PARTNER})
"""A person has one of these at a time: a new value replaces the old one even when not said to.

Origin is here too: one hometown, and the slot head reads "I live in Madrid" as much origin as home.
"""

MANY_VALUED = frozenset({Slot.PET, Slot.LIKE, Slot.DISLIKE, Slot.ALLERGY})
"""A person has many of these at once: a second pet, liking or allergy adds to the first unless said to end it.

Family is not here: its statements are mostly about one member ("my sister moved to Madrid").
"""

SAFETY = frozenset({Slot.ALLERGY, Slot.HEALTH, Slot.DIET})
"""Never replaced by a statement about another part of life: losing one can hurt the person."""
