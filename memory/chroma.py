"""Opening Chroma: an embedded folder, or a server, chosen the same way for every collection we keep."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import chromadb

from .errors import InvalidInputError, StoreUnavailableError
from .ownership import Claim, claim, data_dir_of


@dataclass(frozen=True)
class Connection:
    client: chromadb.ClientAPI
    location: str
    remote: bool  # a server other processes may write to, so caches must expire
    claim: Claim | None = None  # an embedded folder is owned by one process; release on close


def connect(path: str | Path | None = None, url: str | None = None) -> Connection:
    """A client for ``path`` (embedded) or ``url`` (server); with neither, from settings (``RAPPORT_*``)."""
    if path is not None and url is not None:
        raise InvalidInputError("url", "give either path or url, not both")
    if path is None and url is None:
        from agent.settings import Settings

        settings = Settings()
        url = settings.chroma_url
        path = None if url else settings.chroma_path
    if url:
        return Connection(client=_connect_http(url), location=url, remote=True)
    owned = claim(data_dir_of(path))  # type: ignore[arg-type]  # raises DataDirInUseError, naming the owner
    try:
        client = _open_persistent(Path(path))  # type: ignore[arg-type]
    except BaseException:
        owned.release()
        raise
    return Connection(client=client, location=str(path), remote=False, claim=owned)


def _open_persistent(path: Path) -> chromadb.ClientAPI:
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chromadb.Settings(anonymized_telemetry=False))
    except Exception as error:
        raise StoreUnavailableError(f"cannot open the Chroma folder {path}: {error}") from error


def _connect_http(url: str) -> chromadb.ClientAPI:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InvalidInputError("RAPPORT_CHROMA_URL", f"{url!r} is not a URL", "use http://host:port")
    try:
        return chromadb.HttpClient(
            host=parsed.hostname,
            port=parsed.port or (443 if parsed.scheme == "https" else 8000),
            ssl=parsed.scheme == "https",
            settings=chromadb.Settings(anonymized_telemetry=False),
        )
    except Exception as error:
        raise StoreUnavailableError(f"cannot reach the Chroma server at {url}: {error}") from error
