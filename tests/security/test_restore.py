"""A backup is data: one that names code runs nothing, and one bad record changes nothing at all.

Against a real ``rapport serve`` (``POST /v1/restore``) and the real ``rapport restore`` command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import ormsgpack
import pytest

from agent.threads import thread_key
from evals.bench.server_process import ServerProcess
from tests.security.conftest import b64, backup_file, memory_record, remember, texts

REPO = Path(__file__).resolve().parents[2]
GZIP = {"Content-Type": "application/gzip"}


def hostile_checkpoint(user: str, marker: Path, code: int) -> dict:
    """A checkpoint whose state holds a msgpack extension that would create ``marker`` if it were called."""
    calls = {
        0: ("os", "system", f"touch {marker}"),  # module, callable, one argument
        1: ("subprocess", "call", [["touch", str(marker)]]),  # module, callable, positional arguments
    }
    payload = ormsgpack.Ext(code, ormsgpack.packb(calls[code]))
    state = {"user_id": user, "thread_id": "t", "history": [], "reply": payload}
    checkpoint = {
        "v": 4,
        "id": "1f0a0000-0000-6000-8000-000000000001",
        "ts": "2026-01-01T00:00:00+00:00",
        "channel_values": state,
        "channel_versions": {},
        "versions_seen": {},
    }
    return {
        "type": "checkpoint",
        "user_id": user,
        "thread_id": "t",
        "key": thread_key(user, "t"),
        "ns": "",
        "parent_id": None,
        "checkpoint": ["msgpack", b64(ormsgpack.packb(checkpoint))],
        "metadata": {},
        "writes": [],
    }


@pytest.mark.parametrize("code", [0, 1])
def test_a_checkpoint_that_names_a_callable_is_refused_by_the_server_and_runs_nothing(
    server: ServerProcess, http: httpx.Client, tmp_path: Path, code: int
) -> None:
    remember(http, "mallory", "I keep bees on the roof.")
    marker = tmp_path / "pwned"
    file = backup_file(
        tmp_path / "evil.backup", [memory_record("mallory", "x"), hostile_checkpoint("mallory", marker, code)]
    )

    response = http.post("/v1/restore", content=file.read_bytes(), headers=GZIP)

    assert response.status_code == 400, response.text
    assert "checkpoint" in response.json()["error"]["message"] and "never read" in response.json()["error"]["message"]
    assert not marker.exists()
    assert texts(http, "mallory") == ["I keep bees on the roof."]  # nothing replaced
    assert http.get("/v1/outbox").json()["pending"] == 0  # nothing journaled to replay


def test_rapport_restore_refuses_a_hostile_file_in_one_line(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    file = backup_file(tmp_path / "evil.backup", [hostile_checkpoint("mallory", marker, 0)])
    env = {**os.environ, "RAPPORT_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}

    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "restore", str(file)], capture_output=True, text=True, env=env, cwd=REPO
    )

    assert result.returncode == 2, result.stdout + result.stderr
    assert not marker.exists()
    assert "Traceback" not in result.stderr and "terminate called" not in result.stderr
    assert "line 2 (checkpoint)" in result.stderr and "os.system" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def bad_records(user: str) -> dict[str, list[dict]]:
    good = memory_record(user, "I grow tomatoes.")
    return {
        "unknown kind": [good, memory_record(user, "I like tea.", kind="bogus")],
        "missing text": [
            good,
            {**memory_record(user, "y"), "record": {**memory_record(user, "y")["record"], "text": None}},
        ],
        "another user's record": [good, memory_record("someone-else", "I like tea.") | {"user_id": user}],
        "checkpoint keyed to another user": [
            good,
            {**hostile_checkpoint(user, Path("/nonexistent"), 0), "key": thread_key("bob", "t")},
        ],
        "bad base64": [good, {"type": "file", "name": "recsys/model.npz", "data": "%%% not base64 %%%"}],
        "a path outside the data dir": [good, {"type": "file", "name": "recsys/../../x", "data": b64(b"x")}],
        "an unknown record type": [good, {"type": "shell", "user_id": user}],
        "a lone surrogate": [good, memory_record(user, "I like \ud800 tea")],
    }


@pytest.mark.parametrize("problem", list(bad_records("victim")))
def test_a_backup_with_one_bad_record_changes_nothing(
    server: ServerProcess, http: httpx.Client, tmp_path: Path, problem: str
) -> None:
    remember(http, "victim", "My locker number is 4101.")
    before = texts(http, "victim")
    file = backup_file(tmp_path / "bad.backup", bad_records("victim")[problem])

    response = http.post("/v1/restore", content=file.read_bytes(), headers=GZIP)

    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert message.startswith("body: line 3"), message
    assert str(tmp_path) not in message and "rapport-upload" not in message  # no paths in errors
    assert texts(http, "victim") == before
    assert http.get("/v1/outbox").json()["pending"] == 0


def test_an_edited_backup_is_refused_by_its_checksum(server: ServerProcess, http: httpx.Client, tmp_path: Path) -> None:
    import gzip

    remember(http, "editor", "My cat is called Miso.")
    saved = tmp_path / "real.backup"
    saved.write_bytes(http.get("/v1/backup").content)
    with gzip.open(saved, "rt", encoding="utf-8") as file:
        text = file.read()
    assert "Miso" in text
    edited = tmp_path / "edited.backup"
    with gzip.open(edited, "wt", encoding="utf-8") as file:
        file.write(text.replace("Miso", "Misa"))  # same counts, same size

    response = http.post("/v1/restore", content=edited.read_bytes(), headers=GZIP)

    assert response.status_code == 400 and "checksum" in response.json()["error"]["message"]
    restored = http.post("/v1/restore", content=saved.read_bytes(), headers=GZIP)
    assert restored.status_code == 200, restored.text


def test_memories_acknowledged_after_a_refused_restore_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    file = backup_file(tmp_path / "bad.backup", bad_records("carol")["unknown kind"])
    with ServerProcess(data) as server, httpx.Client(base_url=server.url, timeout=120) as http:
        remember(http, "carol", "I moved to Leeds in May.")
        assert http.post("/v1/restore", content=file.read_bytes(), headers=GZIP).status_code == 400
        remember(http, "carol", "My partner is called Sam.")
        assert server.stop() == 0
    with ServerProcess(data) as server, httpx.Client(base_url=server.url, timeout=120) as http:
        assert texts(http, "carol") == ["I moved to Leeds in May.", "My partner is called Sam."]
