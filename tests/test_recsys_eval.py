"""``rapport eval recsys`` on a synthetic MovieLens-format folder, and (slow) on the shared ml-latest-small."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli import main
from evals.recsys.data import leave_last_out, validation_split
from evals.recsys.runner import run
from memory.errors import InvalidInputError
from tests.conftest import SHARED_DATA
from tests.recsys_data import write_movielens
from tools.tuned import TunedConfig, load_tuned, save_tuned

TINY_SASREC = {"dim": 16, "max_len": 8, "epochs": 2, "every": 1, "negatives": 8, "batch": 16}


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir whose installed configuration has a tiny SASRec, so the tests train it in seconds."""
    folder = tmp_path / "data"
    monkeypatch.setenv("RAPPORT_DATA_DIR", str(folder))
    save_tuned(TunedConfig(baselines={"sasrec": TINY_SASREC}), folder / "recsys" / "tuned.json")
    return folder


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


def test_validation_holds_out_the_second_to_last_positive_and_never_sees_the_test_item(tmp_path: Path) -> None:
    folder = write_movielens(tmp_path / "ml", users=12)
    test = leave_last_out(folder)
    validation = validation_split(test)
    assert validation.name == "validation" and len(validation.cases) == 12
    positives: dict[str, list[str]] = {}
    for row in (folder / "ratings.csv").read_text().splitlines()[1:]:
        user, movie, rating, _ = row.split(",")
        if float(rating) >= 4:
            positives.setdefault(user, []).append(movie)
    test_items = {case.user: case.held_out for case in test.cases}
    for case in validation.cases:
        assert case.held_out == positives[case.user][-2]
        assert case.held_out != test_items[case.user]
        seen = {i.item_id for i in case.train}
        assert test_items[case.user] not in seen and case.held_out not in seen
        assert validation.train_by_user[case.user] == case.train
    # no user's validation training data holds their test item
    for user, rows in validation.train_by_user.items():
        assert test_items.get(user) not in {i.item_id for i in rows}


def test_tune_chooses_on_validation_installs_the_choice_and_the_eval_resumes(
    tmp_path: Path, data_dir: Path, embedder, capsys
) -> None:
    folder = write_movielens(tmp_path / "ml", users=40)
    out = tmp_path / "out"
    assert main(["eval", "recsys", "--data", str(folder), "--k", "3", "--out", str(out), "--tune"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_users"] == 40 and metrics["dataset"] == "ml"
    assert set(metrics["methods"]) == {"rapport", "popularity", "itemknn", "content", "ease", "sasrec"}
    for table in (metrics["methods"], metrics["cold"]["methods"], metrics["with_query"]["methods"]):
        for scores in table.values():
            assert set(scores) == {"hr@3", "ndcg@3"} and 0 <= scores["ndcg@3"] <= scores["hr@3"] <= 1
    assert metrics["cold"]["n_users"] + metrics["warm"]["n_users"] == 40
    assert {"rapport+query", "ease+genres", "query"} <= set(metrics["with_query"]["methods"])
    # users love one theme: following taste must beat recommending what is popular overall
    assert metrics["methods"]["rapport"]["hr@3"] > metrics["methods"]["popularity"]["hr@3"]

    chosen = TunedConfig.model_validate_json((out / "tuned.json").read_text())
    installed = load_tuned()  # what the product now uses
    assert installed == chosen and (data_dir / "recsys" / "tuned.json").is_file()
    assert all("validation split of ml" in chosen.chosen_on[key] for key in ("ease baseline l2", "sasrec epochs"))
    assert chosen.baselines["sasrec"]["dim"] == 16 and 1 <= chosen.baselines["sasrec_epochs"] <= 2
    details = json.loads((out / "details.json").read_text())
    assert set(details["fit_s"]) >= {"rapport", "ease", "sasrec"}
    report = (out / "report.md").read_text()
    for part in ("**ml**", "| rapport |", "| sasrec |", "Which split chose what", "Cold (fewer than 20",
                 "With a request", "chosen by this run (--tune)"):  # fmt: skip
        assert part in report
    assert (out / "recsys.png").stat().st_size > 1000 and (out / "item_embeddings.npz").is_file()

    lines_before = (out / "recommendations_rapport.jsonl").read_text().count("\n")
    assert lines_before == 40
    again = run(data=folder, k=3, out=out)  # the installed choice, same settings: resumes, same numbers
    assert again == metrics
    assert (out / "recommendations_rapport.jsonl").read_text().count("\n") == lines_before
    assert "read from" in (out / "report.md").read_text()


def test_eval_samples_users_skips_sasrec_and_rejects_bad_arguments(tmp_path: Path, data_dir: Path, embedder) -> None:
    folder = write_movielens(tmp_path / "ml", users=20)
    metrics = run(data=folder, k=5, out=tmp_path / "out", users=7, seed=3, sasrec=False)
    assert metrics["n_users"] == 7 and "sasrec" not in metrics["methods"]
    with pytest.raises(InvalidInputError, match="--k"):
        run(data=folder, k=0, out=tmp_path / "out")
    with pytest.raises(InvalidInputError, match="--data"):
        run(data=tmp_path / "missing", k=5, out=tmp_path / "out")
    with pytest.raises(InvalidInputError, match="--users"):
        run(data=folder, k=5, out=tmp_path / "out", users=0)
    assert main(["eval", "recsys", "--out", str(tmp_path / "out")]) == 2


@pytest.mark.slow
def test_rapport_beats_every_baseline_by_ten_percent_on_movielens_small(tmp_path: Path, monkeypatch) -> None:
    """All 609 users of ml-latest-small with the packaged configuration (tuned on its validation split),
    SASRec left to the eval report to keep CI short (a few minutes, most of it embedding 9,742 items)."""
    data = SHARED_DATA / "movielens-small"
    if not (data / "ratings.csv").is_file():
        pytest.skip(f"{data} is missing")
    monkeypatch.setenv("RAPPORT_DATA_DIR", str(tmp_path / "data"))  # the packaged tuned file, not a local one
    metrics = run(data=data, k=10, out=tmp_path / "out", sasrec=False)
    methods = metrics["methods"]
    assert metrics["n_users"] == 609
    for baseline in ("popularity", "itemknn", "content", "ease"):
        for metric in ("hr@10", "ndcg@10"):
            assert methods["rapport"][metric] >= 1.1 * methods[baseline][metric], (baseline, metric)
