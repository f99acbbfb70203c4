"""``rapport eval requests`` on a small synthetic catalog, and (slow) on the shared ml-latest-small."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli import main
from evals.requests.cases import DEFAULT_REQUESTS, Checks, failed_checks, load_cases
from evals.requests.runner import echo_words, run, title_echoes
from memory.errors import InvalidInputError
from tests.conftest import SHARED_DATA
from tools.items import make_item

from .request_data import write_request_movielens

REQUESTS = [
    {"id": "mood-1", "kind": "mood", "text": "something light for tonight",
     "checks": {"want_any": ["Comedy", "Animation", "Children"], "avoid": ["Horror", "War", "Crime"]}},
    {"id": "neg-1", "kind": "negation", "text": "a movie without romance", "checks": {"avoid": ["Romance"]}},
    {"id": "scary-1", "kind": "mood", "text": "a scary movie", "checks": {"want_any": ["Horror", "Thriller"]}},
    {"id": "sim-1", "kind": "similar", "text": "something like Toy Parade",
     "checks": {"want_any": ["Animation", "Children"], "not_title": "Toy Parade (1996)"}},
]  # fmt: skip


def write_requests(path: Path) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in REQUESTS) + "\n", encoding="utf-8")
    return path


def test_checks_and_the_echo_measure() -> None:
    item = make_item("1", "Scary Night (2000)", genres=["Horror"])
    assert failed_checks(item, Checks(want_any=["Horror"], year_max=2005)) == []
    assert failed_checks(item, Checks(want_all=["Horror", "Comedy"], avoid=["Horror"], year_min=2001)) == [
        "want_all", "avoid", "year_min"
    ]  # fmt: skip
    assert title_echoes("Scary Night (2000)", echo_words("a scary movie"))
    assert title_echoes("Scary Movie 3 (2003)", echo_words("something scary"))
    assert not title_echoes("The Cellar (2010)", echo_words("a scary movie for tonight"))
    assert len(load_cases(DEFAULT_REQUESTS)) >= 60  # the shipped set covers every kind
    assert {c.kind for c in load_cases(DEFAULT_REQUESTS)} >= {
        "genre", "mood", "audience", "era", "similar", "negation", "combination"
    }  # fmt: skip


def test_eval_writes_metrics_report_plot_and_resumes(tmp_path: Path, embedder) -> None:
    data = write_request_movielens(tmp_path / "ml")
    requests = write_requests(tmp_path / "requests.jsonl")
    out = tmp_path / "out"
    metrics = run(data, out, requests=requests, k=3, users=2, min_ratings=4)
    rapport, baseline = metrics["methods"]["rapport"], metrics["methods"]["query-embedding"]
    assert set(metrics["methods"]) == {"rapport", "query-embedding"}
    assert rapport["facet_precision@3"] >= 0.9 > baseline["facet_precision@3"]
    assert rapport["title_echo"] < baseline["title_echo"]  # "Scary Night", "Light Brigade" are traps
    assert 0 <= rapport["jaccard_between_users"] <= 1 and rapport["mean_rating"] > 3.5
    assert set(rapport["by_kind"]) == {"mood", "negation", "similar"}
    for name in ("metrics.json", "details.json", "report.md", "requests.png", "predictions.jsonl"):
        assert (out / name).is_file()
    rows = (out / "predictions.jsonl").read_text().splitlines()
    assert len(rows) == len(REQUESTS) * 3 * 2  # requests x (cold + 2 users) x methods
    assert "facet precision@3" in (out / "report.md").read_text()
    run(data, out, requests=requests, k=3, users=2, min_ratings=4)  # resumes: nothing is recomputed
    assert (out / "predictions.jsonl").read_text().splitlines() == rows


def test_cli_and_bad_input(tmp_path: Path, embedder, capsys) -> None:
    data = write_request_movielens(tmp_path / "ml")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "kind": "mood"}\n', encoding="utf-8")
    with pytest.raises(InvalidInputError, match="line 1"):
        run(data, tmp_path / "out", requests=bad)
    assert main(["eval", "requests", "--data", str(data), "--out", str(tmp_path / "o"), "--requests", str(bad)]) == 2
    assert "line 1 is not a request" in capsys.readouterr().err
    with pytest.raises(InvalidInputError, match="--users"):
        run(data, tmp_path / "out", users=1)


@pytest.mark.slow
def test_requests_on_movielens_small(tmp_path: Path) -> None:
    """Every shipped request on ml-latest-small for a cold user and 2 taste users (a few minutes, most of it
    embedding the catalog once)."""
    data = SHARED_DATA / "movielens-small"
    if not (data / "ratings.csv").is_file():
        pytest.skip(f"{data} is missing")
    metrics = run(data, tmp_path / "out", k=5, users=2)
    rapport, baseline = metrics["methods"]["rapport"], metrics["methods"]["query-embedding"]
    assert rapport["facet_precision@5"] >= 0.95
    assert rapport["title_echo"] < 0.05 < baseline["title_echo"]
    assert rapport["mean_rating"] >= 3.7
    assert rapport["jaccard_between_users"] < 0.6
