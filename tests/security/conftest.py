"""A real ``rapport serve`` process per module (scripted model, real store, outbox and HTTP), and
helpers to write backup files the way an attacker would: valid framing, hostile records.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from evals.bench.server_process import ServerProcess

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(tmp_path_factory.mktemp("served") / "data") as process:
        yield process


@pytest.fixture(scope="module")
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=120) as client:
        yield client


def remember(http: httpx.Client, user: str, text: str) -> dict[str, Any]:
    response = http.post(f"/v1/users/{quote(user, safe='')}/memories", json={"text": text})
    assert response.status_code == 201, response.text
    return response.json()


def texts(http: httpx.Client, user: str) -> list[str]:
    response = http.get(f"/v1/users/{quote(user, safe='')}/memories", params={"k": 1000})
    if response.status_code == 404:
        return []
    assert response.status_code == 200, response.text
    return sorted(memory["text"] for memory in response.json()["data"])


def backup_file(path: Path, records: list[dict[str, Any]], *, version: int = 2) -> Path:
    """A backup with a correct header, counts and checksum around ``records`` (what anyone can compute)."""
    lines = [json.dumps(record, separators=(",", ":")) + "\n" for record in records]
    counts: dict[str, int] = {}
    for record in records:
        counts[record.get("type")] = counts.get(record.get("type"), 0) + 1
    footer = {"type": "footer", "counts": counts}
    if version >= 2:
        footer["sha256"] = hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
    with gzip.open(path, "wt", encoding="utf-8") as file:
        file.write(json.dumps({"type": "header", "format": "rapport-backup", "version": version}) + "\n")
        file.writelines(lines)
        file.write(json.dumps(footer) + "\n")
    return path


def memory_record(user: str, text: str, **changes: Any) -> dict[str, Any]:
    record = {
        "id": hashlib.sha1(f"{user}:{text}".encode("utf-8", "surrogatepass")).hexdigest(),
        "user_id": user,
        "text": text,
        "kind": "fact",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "status": "active",
        "metadata": {},
    }
    return {"type": "memory", "user_id": user, "record": {**record, **changes}}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
