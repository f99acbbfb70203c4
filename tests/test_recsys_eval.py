"""``rapport eval recsys`` on a synthetic MovieLens-format folder, and (slow) on the shared ml-latest-small."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli import main
from evals.recsys.data import leave_last_out
from evals.recsys.runner import run
from memory.errors import InvalidInputError
from tests.conftest import SHARED_DATA
from tests.recsys_data import write_movielens


def test_split_holds_out_the_last_positive_by_time(tmp_path: Path) -> None:
    folder = write_movielens(tmp_path / "ml", users=12)
    split = leave_last_out(folder)
    assert len(split.cases) == 12
    for case in split.cases:
        assert case.held_out not in {i.item_id for i in case.train}
        assert len(case.train) == 6
        assert split.train_by_user[case.user] == case.train
    # the last row written per user is a liked (4-5) movie, and it is the held-out one
    rows = (folder / "ratings.csv").read_text().splitlines()[1:]
    last = {}
    for row in rows:
        user, movie, _, _ = row.split(",")
        last[user] = movie
    assert all(case.held_out == last[case.user] for case in split.cases)


def test_eval_writes_metrics_report_plot_and_resumes(tmp_path: Path, embedder, capsys) -> None:
    folder = write_movielens(tmp_path / "ml", users=40)
    out = tmp_path / "out"
    code = main(["eval", "recsys", "--data", str(folder), "--k", "3", "--out", str(out)])
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == {"methods", "n_users"} and metrics["n_users"] == 40
    assert set(metrics["methods"]) == {"rapport", "popularity", "itemknn", "content"}
    for scores in metrics["methods"].values():
        assert set(scores) == {"hr@3", "ndcg@3"} and 0 <= scores["ndcg@3"] <= scores["hr@3"] <= 1
    # users love one theme: following taste must beat recommending what is popular overall
    assert metrics["methods"]["rapport"]["hr@3"] > metrics["methods"]["popularity"]["hr@3"]
    assert "| rapport |" in (out / "report.md").read_text()
    assert (out / "recsys.png").stat().st_size > 1000 and (out / "item_embeddings.npz").is_file()
    lines_before = (out / "recommendations_rapport.jsonl").read_text().count("\n")
    assert lines_before == 40
    again = run(data=folder, k=3, out=out)  # resumes: nothing recomputed, same numbers
    assert again == metrics
    assert (out / "recommendations_rapport.jsonl").read_text().count("\n") == lines_before


def test_eval_samples_users_and_rejects_bad_arguments(tmp_path: Path, embedder) -> None:
    folder = write_movielens(tmp_path / "ml", users=20)
    metrics = run(data=folder, k=5, out=tmp_path / "out", users=7, seed=3)
    assert metrics["n_users"] == 7
    with pytest.raises(InvalidInputError, match="--k"):
        run(data=folder, k=0, out=tmp_path / "out")
    with pytest.raises(InvalidInputError, match="--data"):
        run(data=tmp_path / "missing", k=5, out=tmp_path / "out")
    with pytest.raises(InvalidInputError, match="--users"):
        run(data=folder, k=5, out=tmp_path / "out", users=0)


@pytest.mark.slow
def test_rapport_beats_popularity_and_itemknn_on_movielens_small(tmp_path: Path) -> None:
    """All 609 users of ml-latest-small (about 1.5 minutes, most of it embedding 9,742 items once)."""
    data = SHARED_DATA / "movielens-small"
    if not (data / "ratings.csv").is_file():
        pytest.skip(f"{data} is missing")
    metrics = run(data=data, k=10, out=tmp_path / "out")
    methods = metrics["methods"]
    assert metrics["n_users"] == 609
    for metric in ("hr@10", "ndcg@10"):
        assert methods["rapport"][metric] > methods["itemknn"][metric]
        assert methods["rapport"][metric] > methods["popularity"][metric]
