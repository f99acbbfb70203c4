"""Keys bound to users: a user key acts only as its user on every route, the admin key as anyone.

Real uvicorn, real Chroma and embeddings, the scripted chat model; the routes are enumerated from
the app itself, so a route added later is checked without editing this file.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute

from agent import Assistant
from agent.cli import main as cli_main
from agent.keys import KeyStore
from agent.server import create_app
from agent.server.auth import USER_KEY_ROUTES
from memory.errors import InvalidInputError
from tests.live_server import live_server

from .page.support import open_assistant

ADMIN = "admin-key-0123456789abcdef"
FILE_BODIES = {"/v1/restore": "application/gzip", "/v1/users/{user_id}/memories/import": "application/x-ndjson"}


@pytest.fixture
def assistant(tmp_path: Path, embedder) -> Iterator[Assistant]:
    opened = open_assistant(tmp_path / "data")
    yield opened
    opened.close()


@pytest.fixture
def keys(tmp_path: Path) -> KeyStore:
    return KeyStore.open(tmp_path)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def call(url: str, method: str, path: str, key: str) -> httpx.Response:
    """One request to ``path`` (parameters already filled in) with a body the route's guard accepts."""
    template = re.sub(r"/(alice|bob)(?=/|$)", "/{user_id}", path)
    content_type = next((t for p, t in FILE_BODIES.items() if template.startswith(p)), "application/json")
    body = b"" if content_type != "application/json" else b"{}"
    headers = {**bearer(key), "Content-Type": content_type} if method != "GET" else bearer(key)
    return httpx.request(method, url + path, headers=headers, content=body if method != "GET" else None, timeout=60)


def routes(app) -> list[tuple[str, str]]:
    """Every (method, path template) of the API: its schema's, and the app's own routes kept out of it."""
    found = {(method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item}
    found |= {(m, r.path) for r in app.routes if isinstance(r, APIRoute) for m in r.methods - {"HEAD"}}
    return sorted(found)


def filled(template: str, user: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: user if m.group(1) == "user_id" else "x1", template)


def test_a_key_is_stored_only_as_its_hash_and_works_until_revoked(keys: KeyStore, tmp_path: Path) -> None:
    key, info = keys.create("alice")
    assert key.startswith("rk_") and info.user_id == "alice" and info.active
    raw = (tmp_path / "keys.sqlite").read_bytes()
    assert key.encode() not in raw and key.split("_")[-1].encode() not in raw
    assert hashlib.sha256(key.encode()).hexdigest().encode() in raw
    assert keys.user_of(key) == "alice"
    assert keys.user_of(key[:-1] + ("A" if key[-1] != "A" else "B")) is None  # one character off
    assert keys.user_of("rk_nothing_here") is None and keys.user_of(ADMIN) is None
    assert keys.revoke(info.key_id).revoked_at is not None
    assert keys.user_of(key) is None and not keys.any_active()
    assert [k.key_id for k in keys.all_keys()] == [info.key_id]  # revoked keys stay listed
    with pytest.raises(InvalidInputError, match="key_id"):
        keys.revoke("nope")
    with pytest.raises(InvalidInputError, match="user_id"):
        keys.create(" alice")
    with sqlite3.connect(tmp_path / "keys.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM rapport_api_keys").fetchone() == (1,)


def test_a_user_key_gets_403_on_every_route_naming_another_user(assistant: Assistant, keys: KeyStore) -> None:
    alice_key, _ = keys.create("alice")
    assistant.remember("bob", "Bob's bank PIN is 4417")
    app = create_app(assistant, admin_key=ADMIN, keys=keys)
    named = [(method, path) for method, path in routes(app) if "{user_id}" in path]
    assert len(named) >= 15  # memories, threads, profile, recommendations, interactions, export, import ...
    with live_server(app) as url:
        for method, template in named:
            response = call(url, method, filled(template, "bob"), alice_key)
            assert response.status_code == 403, (method, template, response.text)
            assert response.json()["error"]["code"] == "permission_denied"
            assert "4417" not in response.text
            own = call(url, method, filled(template, "alice"), alice_key)
            assert own.status_code not in (401, 403), (method, template, own.text)
        assert [m.text for m in assistant.memories("bob")] == ["Bob's bank PIN is 4417"]  # nothing of bob changed


def test_admin_routes_refuse_user_keys_and_serve_the_admin_key(assistant: Assistant, keys: KeyStore) -> None:
    alice_key, _ = keys.create("alice")
    app = create_app(assistant, admin_key=ADMIN, keys=keys)
    unnamed = [(method, path) for method, path in routes(app) if "{user_id}" not in path]
    admin_only = [(method, path) for method, path in unnamed if path not in USER_KEY_ROUTES]
    assert ("GET", "/v1/backup") in admin_only and ("POST", "/v1/restore") in admin_only
    assert ("GET", "/v1/users") in admin_only
    with live_server(app) as url:
        for method, path in admin_only:
            response = call(url, method, path, alice_key)
            assert response.status_code == 403, (method, path, response.text)
            assert "RAPPORT_ADMIN_KEY" in response.json()["error"]["message"]
        assert ("POST", "/v1/keys") in admin_only and ("DELETE", "/v1/keys/{key_id}") in admin_only
        assert httpx.get(f"{url}/v1/users", headers=bearer(ADMIN)).json()["data"] == []
        made = httpx.post(f"{url}/v1/keys", json={"user": "carol"}, headers=bearer(ADMIN)).json()
        assert httpx.get(f"{url}/v1/me", headers=bearer(made["key"])).json()["user"] == "carol"
        listed = httpx.get(f"{url}/v1/keys", headers=bearer(ADMIN)).json()["data"]
        assert {k["user_id"] for k in listed} == {"alice", "carol"} and made["key"] not in json.dumps(listed)
        httpx.delete(f"{url}/v1/keys/{made['key_id']}", headers={**bearer(ADMIN), "Content-Type": "application/json"})
        assert httpx.get(f"{url}/v1/me", headers=bearer(made["key"])).status_code == 401
        assert httpx.get(f"{url}/v1/backup", headers=bearer(ADMIN)).status_code == 200
        for method, path in unnamed:
            if path in USER_KEY_ROUTES and method == "GET":
                assert call(url, method, path, alice_key).status_code < 400, path


def test_the_chat_acts_as_the_keys_user_and_refuses_anyone_else(assistant: Assistant, keys: KeyStore) -> None:
    alice_key, _ = keys.create("alice")
    bob_key, bob = keys.create("bob")
    with live_server(create_app(assistant, keys=keys)) as url:  # user keys only, no admin key
        def chat(key: str, user: str | None = None, header: str | None = None) -> httpx.Response:
            body: dict = {"model": "rapport", "messages": [{"role": "user", "content": "I'm allergic to kiwi."}]}
            if user is not None:
                body["user"] = user
            headers = {**bearer(key), **({"X-Rapport-User": header} if header else {})}
            return httpx.post(f"{url}/v1/chat/completions", json=body, headers=headers, timeout=120)

        assert chat(alice_key).status_code == 200  # no user named: the key's own
        assert chat(alice_key, user="alice").status_code == 200
        assert chat(alice_key, user="bob").status_code == 403
        assert chat(alice_key, header="bob").status_code == 403
        assert httpx.get(f"{url}/v1/me", headers=bearer(alice_key)).json() == {
            "object": "principal", "user": "alice", "admin": False
        }
        assert httpx.get(f"{url}/v1/models").status_code == 401  # once keys exist, every request needs one
        assert httpx.get(f"{url}/v1/users/bob/memories", headers=bearer(bob_key)).status_code == 200
        keys.revoke(bob.key_id)  # takes effect on the next request, server still running
        assert httpx.get(f"{url}/v1/users/bob/memories", headers=bearer(bob_key)).status_code == 401
    assistant.flush()
    assert [m for m in assistant.memories("alice") if "kiwi" in m.text]
    assert not assistant.memories("bob")


def test_without_keys_a_loopback_server_needs_none(assistant: Assistant) -> None:
    with live_server(create_app(assistant)) as url:
        assert httpx.get(f"{url}/v1/me").json() == {"object": "principal", "user": None, "admin": True}
        assert httpx.get(f"{url}/v1/users/bob/memories").status_code == 200


def test_rapport_keys_create_list_revoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("RAPPORT_DATA_DIR", str(tmp_path))
    assert cli_main(["keys", "create", "--user", "alice"]) == 0
    key = capsys.readouterr().out.splitlines()[0]
    assert KeyStore.open(tmp_path).user_of(key) == "alice"
    assert cli_main(["keys", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [k["user_id"] for k in listed] == ["alice"] and key not in json.dumps(listed)
    assert cli_main(["keys", "revoke", listed[0]["key_id"]]) == 0
    assert "revoked" in capsys.readouterr().out
    assert KeyStore.open(tmp_path).user_of(key) is None
    assert cli_main(["keys", "revoke", "nope"]) == 2
    assert "rapport keys list" in capsys.readouterr().err
