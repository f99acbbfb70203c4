"""A capable model fills the Reading itself (JSON mode); anything unusable is read by the embedded reader."""

from __future__ import annotations

import json

import pytest

from agent.model_reader import ModelReader
from memory.reading import Act, Change, Slot
from memory.reading.reader import EmbeddedReader

from .scripted_model import ScriptedModel

DRAFT = {
    "social": ["greeting"],
    "statements": [{"text": "I traded my Focus for a Tesla Model 3", "slot": "possession", "change": "switch"}],
    "ask": "request",
    "question": "Any tips for charging it on a road trip?",
    "focus": None,
    "name": None,
}


@pytest.fixture(scope="module")
def embedded(embedder) -> EmbeddedReader:
    return EmbeddedReader(embedder)


def test_a_capable_model_fills_the_reading_and_values_are_read_by_rule(embedded: EmbeddedReader) -> None:
    model = ScriptedModel(supports_tools=True, json_replies=[json.dumps(DRAFT)])
    reading = ModelReader(model, embedded).read("Hi! Traded the Focus for a Tesla Model 3. Tips for a road trip?")
    assert reading.social == [Act.GREETING] and reading.ask is Act.REQUEST
    (statement,) = reading.statements
    assert (statement.slot, statement.change) == (Slot.POSSESSION, Change.SWITCH)
    assert "Tesla" in statement.values and "3" in statement.values
    assert [name for name, _ in model.calls] == ["complete_json"]


@pytest.mark.parametrize(
    "reply",
    [
        "not json at all",
        json.dumps({**DRAFT, "ask": "greeting"}),
        json.dumps({**DRAFT, "statements": [{"text": "x"}]}),
        json.dumps({"action": "add"}),  # another schema's answer is not an empty reading
    ],
)
def test_an_unusable_reading_falls_back_to_the_embedded_reader(embedded: EmbeddedReader, reply: str) -> None:
    model = ScriptedModel(supports_tools=True, json_replies=[reply])
    reading = ModelReader(model, embedded).read("What do you know about my family?")
    assert reading.ask is Act.ABOUT_ME and reading.focus is Slot.FAMILY  # the embedded reader's reading


def test_a_model_without_json_is_never_asked(embedded: EmbeddedReader) -> None:
    model = ScriptedModel()
    assert ModelReader(model, embedded).read("Where do I live?").ask is Act.RECALL
    assert model.calls == []
