"""Errors of the chat-model layer, all `RapportError`s so the CLI prints them without a traceback."""

from __future__ import annotations

from memory.errors import RapportError


class LLMOutputError(RapportError):
    """The model's reply could not be turned into what the caller asked for (e.g. valid JSON).

    Raised instead of returning a guess: callers decide what to skip, never the model layer.
    ``raw`` keeps the last reply so it can be logged or shown.
    """

    def __init__(self, message: str, raw: str = "") -> None:
        self.raw = raw
        super().__init__(message)


class ModelUnavailableError(RapportError):
    """The chat model cannot be used here: a runtime is missing or the provider is not built yet."""


class ModelFileError(ModelUnavailableError):
    """A local model file is missing, not GGUF or damaged; the message names the file and what to do."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = path
        super().__init__(f"model file {path} {problem}. See `rapport model list` for the models installed here")
