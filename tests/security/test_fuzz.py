"""Property-based fuzz of every API route: random JSON shapes, ids and text with surrogates, NULs and
huge sizes. No answer is a 5xx, and another user's data never changes.

The routes are read from the app itself, so a new route is fuzzed without touching this file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent import Assistant, Settings
from agent.server import create_app
from memory import MemoryStore
from tests.live_server import live_server
from tests.scripted_model import ScriptedModel

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")  # long reprs of 40 kB text
BYSTANDER = "bystander"
NASTY = ["\ud800", "\udfff", "\x00", "/", "..", "%2F", "\u202e", "\ufeff", "'\"<>", "\\", "\n", " "]


def nasty_text(*, huge: bool = True) -> st.SearchStrategy[str]:
    """Text with surrogates, NULs, separators; ``huge`` adds a 40 kB piece (bodies only: a URL that long
    is refused by the HTTP parser before the app, which is not what this test is about)."""
    pieces = st.one_of(st.text(max_size=20), st.sampled_from(NASTY), *([st.just("x" * 40_000)] if huge else []))
    return st.lists(pieces, max_size=4).map("".join)


def json_values() -> st.SearchStrategy[Any]:
    leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), nasty_text())
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_text(), inner, max_size=4),
        max_leaves=12,
    )


def bodies(route: APIRoute) -> st.SearchStrategy[Any]:
    """Random JSON, and JSON shaped like the route's own body with nasty values in its fields."""
    body = route.body_field
    if body is None:
        return json_values()
    names = list(getattr(body.field_info.annotation, "model_fields", {}))
    shaped = st.fixed_dictionaries({}, optional={name: json_values() for name in names}) if names else json_values()
    return st.one_of(json_values(), shaped)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[tuple[str, list[APIRoute], Assistant]]:
    data = tmp_path_factory.mktemp("fuzz")
    store = MemoryStore(path=data / "chroma", embedder=embedder)
    model = ScriptedModel(default_reply="Noted.")
    with Assistant.open(Settings(data_dir=data), chat_model=model, store=store) as assistant:
        app = create_app(assistant)
        routes = [r for r in app.routes if isinstance(r, APIRoute) and r.path.startswith("/v1/")]
        with live_server(app) as url:
            yield url, routes, assistant


def snapshot(assistant: Assistant) -> dict[str, Any]:
    assistant.flush()
    return {
        "memories": assistant.store.export(BYSTANDER),
        "threads": [t.model_dump(exclude={"updated_at"}) for t in assistant.threads(BYSTANDER)],
        "profile": assistant.store.profile_payloads(BYSTANDER),
    }


def test_every_route_survives_hostile_input(served: tuple[str, list[APIRoute], Assistant]) -> None:
    url, routes, assistant = served
    assistant.remember(BYSTANDER, "I'm allergic to shellfish.")
    assistant.chat(BYSTANDER, "I live in Porto and I play the cello.", thread_id="mine")
    before = snapshot(assistant)
    seen: set[str] = set()

    @settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        route = data.draw(st.sampled_from(routes))
        method = data.draw(st.sampled_from(sorted(route.methods)))
        ids = nasty_text(huge=False).filter(lambda v: v != BYSTANDER)
        params = {name: data.draw(ids) for name in _path_params(route.path)}
        path = route.path.format(**{k: quote(v.encode("utf-8", "surrogatepass"), safe="") for k, v in params.items()})
        names = st.sampled_from(["k", "query", "kind", "status", "limit", "mode"])
        query = data.draw(st.dictionaries(names, nasty_text(huge=False).filter(_encodable), max_size=3))
        body = data.draw(bodies(route)) if method in ("POST", "PATCH", "PUT") else None
        content = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if content is not None else {}
        response = httpx.request(method, url + path, params=query, content=content, headers=headers, timeout=120)
        seen.add(route.path)
        assert response.status_code < 500, (method, path, query, str(body)[:300], response.text[:500])
        assert "error" in response.json() if response.status_code >= 400 else True

    fuzz()
    assert snapshot(assistant) == before
    assert len(seen) >= len(routes) * 3 // 4, sorted({r.path for r in routes} - seen)


def _encodable(text: str) -> bool:
    """A URL's query is UTF-8: what a client cannot even send is not a case."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _path_params(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)
