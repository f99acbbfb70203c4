"""Reading a turn: one typed ``Reading`` per message, from heads trained on labelled sentences.

- ``labels``: the classes and the policy on them (single-valued slots, safety facts);
- ``reading``: the pydantic result every later step consumes;
- ``reader``: the embedded reader (MiniLM + linear heads); ``heads``: the shipped classifiers;
- ``values``: names, numbers and dates, read by rule once the slot is known;
- ``training``: ``rapport train reader`` rebuilds ``heads.npz`` from ``evals/data/reading``.
"""

from .labels import Act, Change, Slot
from .reading import Reading, Sentence, Statement

__all__ = ["Act", "Change", "Reading", "Sentence", "Slot", "Statement"]
