"""A web page in the user's browser is a stranger: it cannot write to a local server, with or without a key,
and a server without a key answers only loopback host names (DNS rebinding). Against a real ``rapport serve``.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx
import pytest

from evals.bench.server_process import ServerProcess
from tests.security.conftest import backup_file, memory_record, texts

EVIL = "http://evil.example"


def test_a_simple_cross_origin_post_is_refused(server: ServerProcess, http: httpx.Client) -> None:
    """What ``fetch(url, {mode: "no-cors", method: "POST", body})`` sends from another site."""
    body = json.dumps({"text": "I was added by a web page."})
    for headers in (
        {"Content-Type": "text/plain", "Origin": EVIL},  # the browser names the page's origin
        {"Content-Type": "text/plain;charset=UTF-8", "Sec-Fetch-Site": "cross-site"},
        {"Content-Type": "application/json", "Origin": "null"},  # a sandboxed frame
        {"Content-Type": "application/json", "Origin": f"http://localhost:{server.port + 1}"},  # another local port
    ):
        response = http.post("/v1/users/target/memories", content=body, headers=headers)
        assert response.status_code == 403, (headers, response.text)
        assert response.json()["error"]["code"] == "cross_origin"
    assert texts(http, "target") == []


def test_a_body_of_a_type_a_page_may_send_without_asking_is_refused(server: ServerProcess, http: httpx.Client) -> None:
    """Without Origin (an old browser, a plugin), the type still gives it away: only JSON changes anything."""
    body = json.dumps({"text": "I was added by a form."})
    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None):
        headers = {"Content-Type": kind} if kind else {}
        response = http.post("/v1/users/target/memories", content=body, headers=headers)
        assert response.status_code == 415, (kind, response.text)
        assert response.json()["error"]["param"] == "Content-Type"
    assert texts(http, "target") == []


def test_restore_and_import_take_only_their_own_types(
    server: ServerProcess, http: httpx.Client, tmp_path: Path
) -> None:
    file = backup_file(tmp_path / "page.backup", [memory_record("target", "I was restored by a page.")])
    for kind in ("text/plain", "application/x-www-form-urlencoded"):
        assert http.post("/v1/restore", content=file.read_bytes(), headers={"Content-Type": kind}).status_code == 415
        line = json.dumps(memory_record("target", "I was imported by a page.")["record"])
        response = http.post("/v1/users/target/memories/import", content=line, headers={"Content-Type": kind})
        assert response.status_code == 415
    restore = http.post(
        "/v1/restore", content=file.read_bytes(), headers={"Content-Type": "application/gzip", "Origin": EVIL}
    )
    assert restore.status_code == 403
    assert texts(http, "target") == []


def test_the_same_origin_and_plain_clients_still_work(server: ServerProcess, http: httpx.Client) -> None:
    own = {"Origin": server.url, "Sec-Fetch-Site": "same-origin"}
    assert http.post("/v1/users/owner/memories", json={"text": "I like tea."}, headers=own).status_code == 201
    assert http.post("/v1/users/owner/memories", json={"text": "I like jazz."}).status_code == 201  # curl, SDKs
    assert texts(http, "owner") == ["I like jazz.", "I like tea."]


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.nip.io", "0.0.0.0"])
def test_a_server_without_a_key_answers_only_loopback_host_names(
    server: ServerProcess, http: httpx.Client, host: str
) -> None:
    """DNS rebinding: the page's own name resolves to 127.0.0.1, so the request carries that name."""
    for method, path in (("GET", "/v1/users"), ("GET", "/"), ("POST", "/v1/users/target/memories")):
        response = http.request(method, path, headers={"Host": host}, json={"text": "I was rebound."})
        assert response.status_code == 403, (host, path, response.text)
        assert response.json()["error"]["code"] == "host_not_allowed"
    for own in ("localhost", f"localhost:{server.port}", f"127.0.0.1:{server.port}"):
        assert http.get("/v1/users", headers={"Host": own}).status_code == 200


def test_a_keyed_server_refuses_cross_site_writes_even_with_the_key(tmp_path: Path) -> None:
    key = "k-" + "x" * 40
    with (
        ServerProcess(tmp_path / "data", env={"RAPPORT_API_KEY": key}) as server,
        httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {key}"}) as http,
    ):
        response = http.post("/v1/users/a/memories", json={"text": "I like tea."}, headers={"Origin": EVIL})
        assert response.status_code == 403
        assert http.get("/v1/users", headers={"Host": "rapport.example.org"}).status_code == 200  # a proxy's name
        assert httpx.get(f"{server.url}/v1/openapi.json").status_code == 401  # the schema is behind the key
        assert http.get("/v1/openapi.json").json()["info"]["title"] == "Rapport"


def test_no_docs_page_and_the_page_files_carry_the_security_headers(server: ServerProcess, http: httpx.Client) -> None:
    for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
        assert http.get(path).status_code == 404, path
    for path in ("/", "/static/index.html", "/static/js/api.js", "/v1/users", "/no-such-route"):
        response = http.get(path)
        policy = response.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, path
        assert response.headers["x-content-type-options"] == "nosniff", path
    page = http.get("/static/index.html").text
    assert "http://" not in page and "https://" not in page  # nothing loaded from the network


def test_backup_download_is_a_gzip_the_page_cannot_read_cross_origin(server: ServerProcess, http: httpx.Client) -> None:
    response = http.get("/v1/backup", headers={"Origin": EVIL})
    assert "access-control-allow-origin" not in response.headers
    assert gzip.decompress(response.content).startswith(b'{"type":"header"')
