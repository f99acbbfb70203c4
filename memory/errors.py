"""Errors a user can act on. The CLI prints them without a traceback."""

from __future__ import annotations


class RapportError(Exception):
    """Base of every error Rapport raises on purpose; the message says what to do."""


class InvalidInputError(RapportError, ValueError):
    """A value given by the caller is not acceptable; names the field and the fix."""

    def __init__(self, field: str, problem: str, fix: str = "") -> None:
        self.field = field
        self.problem = problem
        self.fix = fix
        message = f"{field}: {problem}"
        if fix:
            message += f" ({fix})"
        super().__init__(message)


class NotFoundError(RapportError, KeyError):
    """A record asked for by id does not exist for this user."""

    def __init__(self, field: str, value: str) -> None:
        self.field = field
        self.value = value
        super().__init__(f"{field}: no record {value!r} for this user")

    def __str__(self) -> str:  # KeyError would quote the message otherwise
        return self.args[0]


class StoreUnavailableError(RapportError):
    """The vector store cannot be opened or reached."""
