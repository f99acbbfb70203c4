"""Findings 6 and 7 against a real ``rapport serve``: concurrent identical writes are stored once, and a
rebuilt profile holds only what the user's own memories say, on the embedded model (Gemma 3 270M copies
its prompt's example, "Lives in Lyon, loves jazz and plays the saxophone. Allergic to cats.", for
almost every user)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from evals.bench.server_process import ServerProcess
from tests.security.conftest import remember, texts


def test_concurrent_identical_writes_are_stored_once(server: ServerProcess, http: httpx.Client) -> None:
    def post(_: int) -> httpx.Response:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            return client.post("/v1/users/twice/memories", json={"text": "My locker number is 4101."})

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(post, range(8)))
    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert texts(http, "twice") == ["My locker number is 4101."]


@pytest.mark.slow
def test_a_rebuilt_profile_holds_only_what_the_user_said(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "data", model="embedded") as server, httpx.Client(
        base_url=server.url, timeout=300
    ) as http:
        for text in (
            "My colleague Ana lives in Lyon and plays the saxophone.",
            "I'm allergic to sesame.",
            "My sister works as a nurse.",
        ):
            remember(http, "pat", text)
        response = http.post("/v1/users/pat/profile/rebuild")
    assert response.status_code == 200, response.text
    profile = response.json()
    shown = " ".join([profile["summary"], *profile["interests"], *profile["dislikes"], *profile["facts"]])
    assert not re.search(r"\bcats?\b", shown.lower()), shown  # the prompt's example allergy, never told
    assert "jazz" not in shown.lower()
    for sentence in re.split(r"(?<=[.;!?])\s+", shown):
        if re.search(r"Lyon|saxophone", sentence):
            assert re.search(r"Ana|colleague", sentence), sentence  # about the colleague, never the user
        if "nurse" in sentence:
            assert "sister" in sentence.lower(), sentence
