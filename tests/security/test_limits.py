"""Bodies over their limit, invalid Unicode and NULs are named refusals, never a 500 or a reset connection;
and one rule for ids at every entry. Against a real ``rapport serve``.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from agent.backup import read_backup
from evals.bench.server_process import ServerProcess
from memory.errors import InvalidInputError
from memory.records import check_identifier, check_text
from tests.security.conftest import backup_file, memory_record, remember, texts

CHAT = "/v1/chat/completions"


def chat_body(text: str, *, user: str = "limits", stream: bool = False) -> dict:
    return {"model": "rapport", "user": user, "stream": stream, "messages": [{"role": "user", "content": text}]}


def test_a_body_over_the_limit_is_a_413_before_it_is_read(server: ServerProcess, http: httpx.Client) -> None:
    huge = json.dumps({"text": "I like tea. " * 200_000})  # 2.4 MB, the limit is 1 MiB
    response = http.post("/v1/users/limits/memories", content=huge, headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large"

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(40):
            yield b" " * 65536

    streamed = http.post(CHAT, content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert http.get("/v1/users").status_code == 200  # the server is fine


@pytest.mark.parametrize("stream", [False, True])
def test_a_lone_surrogate_is_a_400_naming_the_field(server: ServerProcess, http: httpx.Client, stream: bool) -> None:
    def post(path: str, body: dict) -> httpx.Response:  # escaped as \ud800 in the JSON, as a browser sends it
        return http.post(path, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})

    response = post(CHAT, chat_body("I like \ud800 tea", stream=stream))
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == "messages.0.content"
    memory = post("/v1/users/limits/memories", {"text": "I like \udfff tea"})
    assert memory.status_code == 400 and memory.json()["error"]["param"] == "text"
    assert http.post(CHAT, json=chat_body("I like green tea.")).status_code == 200  # same connection, still served


def test_nul_characters_are_refused_in_text_and_query(server: ServerProcess, http: httpx.Client) -> None:
    response = http.post("/v1/users/limits/memories", json={"text": "I like\x00 tea"})
    assert response.status_code == 400 and response.json()["error"]["param"] == "text"
    search = http.get("/v1/users/limits/memories", params={"query": "tea\x00"})
    assert search.status_code == 400 and search.json()["error"]["param"] == "query"
    assert all("\x00" not in text for text in texts(http, "limits"))


def test_an_upload_over_its_limit_is_a_413(tmp_path: Path) -> None:
    file = backup_file(tmp_path / "big.backup", [memory_record("big", f"I own book number {i}.") for i in range(2000)])
    assert file.stat().st_size > 8192
    with ServerProcess(tmp_path / "data", env={"RAPPORT_MAX_UPLOAD_BYTES": "8192"}) as server:
        response = httpx.post(
            f"{server.url}/v1/restore", content=file.read_bytes(), headers={"Content-Type": "application/gzip"}
        )
        assert response.status_code == 413, response.text
        assert httpx.get(f"{server.url}/v1/users/big/memories").json()["data"] == []
    assert len(read_backup(file)) == 2000  # the file itself was fine: only its size was refused


@pytest.mark.parametrize("bad", ["a/b", "a\\b", "..", ".", " alice", "al\x00ice", "x" * 129, "a\u200bb", ""])
def test_one_rule_refuses_ids_that_could_not_be_addressed_again(
    server: ServerProcess, http: httpx.Client, bad: str
) -> None:
    with pytest.raises(InvalidInputError):
        check_identifier(bad, "user_id")
    response = http.post(CHAT, json=chat_body("Hi, I'm Ana.", user=bad))
    assert response.status_code == 400, response.text
    if bad.isascii() and "\x00" not in bad and bad.strip() == bad:  # what an HTTP header can carry as a thread id
        thread = http.post(CHAT, json=chat_body("Hi, I'm Ana."), headers={"X-Rapport-Thread": bad})
        assert thread.status_code == 400, (bad, thread.text)
    assert bad not in [user["id"] for user in http.get("/v1/users").json()["data"]]


def test_every_user_that_can_be_created_can_be_read_exported_and_forgotten(
    server: ServerProcess, http: httpx.Client
) -> None:
    made = ["zoë", "a.b", "a b", "日本", "a@b+c", "50%", "x?y#z", ".hidden", "a:b"]
    for user in made:
        remember(http, user, "I like tea.")
        assert http.post(CHAT, json=chat_body("Hello there.", user=user), headers={"X-Rapport-Thread": "t"}).is_success
    listed = [user["id"] for user in http.get("/v1/users").json()["data"]]
    for user in made:
        assert user in listed
        path = f"/v1/users/{quote(user, safe='')}"
        assert http.get(f"{path}/memories").json()["data"], user
        assert "I like tea." in http.get(f"{path}/memories/export").text, user
        assert http.get(f"{path}/threads/t").json()["turns"], user
        assert http.delete(f"{path}/memories").status_code == 200, user
        assert http.get(f"{path}/memories").status_code in (200, 404)
        assert not texts(http, user)


def test_python_api_text_rules_match_the_server() -> None:
    for bad in ("I like \ud800 tea", "I like\x00 tea"):
        with pytest.raises(InvalidInputError):
            check_text(bad)
