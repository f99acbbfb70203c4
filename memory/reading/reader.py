"""The embedded reader: a message into a ``Reading`` with trained heads over MiniLM, no model call.

Every classification is learned (``memory.reading.heads``): what each sentence does, the part of
life a question is about, and each statement's slot, need and change. Rules only cut the text
(sentences, clauses, openers) and read values once the slot is known (``memory.reading.values``).
A sentence the act head is unsure of is chat, answered honestly, unless telling is a close second:
a fact a person gave is kept rather than lost.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from memory.embedder import Embedder
from memory.statements import MIN_STATEMENT_CHARS, clauses, cleaned, sentences

from .features import act_features, change_features
from .heads import Head, shipped_heads
from .labels import SOCIAL_ACTS, Act, Change, Slot
from .reading import Reading, Sentence, Statement
from .values import self_name, values

MIN_ACT_CONFIDENCE = 0.4  # below this, a sentence is chat (or told, when telling is a close second)
MIN_TELL_SECOND = 0.25
MIN_CHANGE_PROBABILITY = 0.25  # chosen on the team's supersede pairs; 6% of PrefEval's preferences pass it
MIN_FOCUS_CONFIDENCE = 0.35  # below this a question about the user is about all of it
EVERYTHING = "everything"  # the focus head's class for "what do you know about me"
MAX_STATEMENTS = 20  # memory.extraction.MAX_CANDIDATES_PER_TURN: a turn's work is bounded
ASK_PRIORITY = (Act.FORGET, Act.ABOUT_ME, Act.RECALL, Act.RECOMMEND, Act.REQUEST, Act.CHAT)

_GREETING_START = re.compile(r"^(hi|hello|hey|hiya|heya|yo|good (morning|afternoon|evening))\b[ ,!.]+", re.I)
_CONTINUES = re.compile(r"^(she|he|it|they|her|his|their|its|she's|he's|it's|they're)\b", re.IGNORECASE)
_FORGET_OBJECT = re.compile(
    r"^\s*(?:please\s+|can you\s+|could you\s+)*(?:forget|delete|remove|erase|drop)\s+"
    r"(?:that\s+|about\s+|what i (?:said|told you) about\s+|the (?:bit|part|thing) about\s+|i (?:said|mentioned)\s+)?"
    r"(?P<what>.{3,}?)[.!]*$",
    re.IGNORECASE | re.DOTALL,
)


class EmbeddedReader:
    """Reads messages with the shipped heads; one embedding batch per message."""

    def __init__(self, embedder: Embedder, heads: dict[str, Head] | None = None) -> None:
        self.embedder = embedder
        self.heads = heads if heads is not None else shipped_heads()

    def read(self, message: str) -> Reading:
        text = message.strip()
        pieces = split_sentences(text)
        if not pieces:
            return Reading(message=text)
        features = act_features(self.embedder, pieces)
        read = self.acts(pieces, features)
        reading = Reading(message=text, sentences=read)
        told = [s.text for s in read if s.act is Act.TELL]
        reading.statements = self.statements(told)
        asking = [s for s in read if s.act in ASK_PRIORITY]
        if asking:
            question = min(asking, key=lambda s: ASK_PRIORITY.index(s.act))
            reading.ask, reading.question = question.act, question.text
            if question.act is Act.FORGET:
                match = _FORGET_OBJECT.match(question.text)
                reading.question = match["what"] if match else question.text
            if question.act in (Act.RECALL, Act.ABOUT_ME):
                reading.focus = self.focus(features[pieces.index(question.text), : self.embedder_dimensions])
        named = [s for s in reading.statements if s.slot is Slot.NAME]
        reading.name = next((name for s in named if (name := self_name(s.text))), None)
        return reading

    def acts(self, sentences: Sequence[str], features: np.ndarray | None = None) -> list[Sentence]:
        """What each sentence does, with the head's confidence."""
        if features is None:
            features = act_features(self.embedder, sentences)
        probabilities = self.heads["act"].probabilities(features)
        return _in_context([self._sentence(text, row) for text, row in zip(sentences, probabilities, strict=True)])

    def statements(self, told: Sequence[str]) -> list[Statement]:
        """Each told sentence cut into clauses that stand alone, then classified in one batch."""
        texts: list[str] = []
        for sentence in told:
            for clause in clauses(sentence):
                text = cleaned(clause)
                if len(text) < MIN_STATEMENT_CHARS:
                    continue
                if texts and _CONTINUES.match(text):  # "She's a cockapoo called Waffles" says more about the last one
                    texts[-1] = f"{texts[-1].rstrip()} {text}"
                else:
                    texts.append(text)
        texts = list(dict.fromkeys(texts))[:MAX_STATEMENTS]
        return self.classify(texts)

    def classify(self, texts: Sequence[str]) -> list[Statement]:
        """Slot, need and change of statements (or of stored memories: their vectors are cached)."""
        if not texts:
            return []
        vectors = self.embedder.encode(list(texts))
        slots = self.heads["slot"].predict(vectors)
        needs = self.heads["need"].predict(vectors)
        changes = self.changes(change_features(vectors, texts))
        return [
            Statement(text=text, slot=Slot(slot), need=need == "true", change=change, values=values(text))
            for text, (slot, _), (need, _), change in zip(texts, slots, needs, changes, strict=True)
        ]

    def changes(self, features: np.ndarray) -> list[Change]:
        """A change is said when the head gives the changes together ``MIN_CHANGE_PROBABILITY``: then the likeliest one.

        Most statements change nothing, so the head's first choice is "none" even for many that do
        ("I prefer the mountains these days"); their summed probability is the better signal.
        """
        head = self.heads["change"]
        probabilities = head.probabilities(features)
        none = head.classes.index(Change.NONE.value)
        found = []
        for row in probabilities:
            others = row.copy()
            others[none] = -1.0
            said = 1 - row[none] >= MIN_CHANGE_PROBABILITY
            found.append(Change(head.classes[int(others.argmax())]) if said else Change.NONE)
        return found

    @property
    def embedder_dimensions(self) -> int:
        return self.heads["slot"].weights.shape[0]

    def focus(self, vector: np.ndarray) -> Slot | None:
        label, confidence = self.heads["focus"].predict(vector[None, :])[0]
        if label == EVERYTHING or confidence < MIN_FOCUS_CONFIDENCE:
            return None
        return Slot(label)

    def _sentence(self, text: str, probabilities: np.ndarray) -> Sentence:
        classes = self.heads["act"].classes
        order = np.argsort(probabilities)[::-1]
        best, second = Act(classes[order[0]]), Act(classes[order[1]])
        confidence = float(probabilities[order[0]])
        if confidence < MIN_ACT_CONFIDENCE:
            told = second is Act.TELL and probabilities[order[1]] >= MIN_TELL_SECOND
            best = Act.TELL if best is Act.TELL or told else Act.CHAT
        return Sentence(text=text, act=best, confidence=round(confidence, 3))


def _in_context(read: list[Sentence]) -> list[Sentence]:
    """Each sentence read alone, then in context: news goes on after the sentence that told it.

    The act head sees one sentence, so "she's a beagle, we called her Noodle" after "we got a puppy!!!"
    looks like a question about someone, and "4:12:37 in Berlin" after "ran my first marathon!!!" like
    chat. A sentence right after a told one that is not a question and not a social move tells too
    when it goes on about the same thing ("she", "it", "they") or carries details (names, numbers).
    """
    for index in range(1, len(read)):
        before, sentence = read[index - 1], read[index]
        if before.act is not Act.TELL or sentence.act in SOCIAL_ACTS or sentence.text.rstrip().endswith("?"):
            continue
        if _CONTINUES.match(sentence.text) or (sentence.act is Act.CHAT and values(sentence.text)):
            read[index] = Sentence(text=sentence.text, act=Act.TELL, confidence=sentence.confidence)
    return read


def split_sentences(text: str) -> list[str]:
    """Sentences, with a leading greeting ("Hi! ...", "Hey, ...") as its own."""
    found: list[str] = []
    for sentence in sentences(text):
        sentence = sentence.strip()
        greeting = _GREETING_START.match(sentence)
        if greeting and greeting.end() < len(sentence):
            found.append(greeting.group(0).strip(" ,"))
            sentence = sentence[greeting.end() :].strip()
        if sentence:
            found.append(sentence)
    return found
