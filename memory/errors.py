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


class PayloadTooLargeError(InvalidInputError):
    """A request or file is over the size the product reads (HTTP 413)."""


class AlreadySupersededError(InvalidInputError):
    """A memory to replace was replaced already (by another write in between, or by the caller's mistake)."""

    def __init__(self, memory_id: str, superseded_by: str | None) -> None:
        super().__init__("memory_id", f"{memory_id!r} is already superseded by {superseded_by!r}")


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


class DataDirInUseError(StoreUnavailableError):
    """Another live process owns the data dir (embedded Chroma cannot be shared between processes)."""

    def __init__(self, data_dir: str, pid: int | None, url: str | None = None) -> None:
        self.data_dir = data_dir
        self.pid = pid
        self.url = url
        who = f"process {pid}" if pid else "another process"
        if url:
            who += f" (`rapport serve` at {url})"
        stop = f"stop it (kill {pid})" if pid else "stop it"
        super().__init__(
            f"the data dir {data_dir} is in use by {who}, and embedded Chroma cannot be shared between "
            f"processes. Either {stop} and run this again, or run a Chroma server that every process "
            "shares (`chroma run --path <dir> --port 8001`, then set RAPPORT_CHROMA_URL=http://127.0.0.1:8001"
            " and give each assistant process its own RAPPORT_DATA_DIR)"
        )
