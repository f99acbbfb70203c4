"""``rapport eval prefeval --recall`` on two tiny topic files of PrefEval's format, written by the test."""

from __future__ import annotations

import json

import pytest

from agent.cli import main
from evals.prefeval.data import load_topics
from evals.prefeval.runner import run, score

FOOD = [
    {"preference": "I strictly avoid gluten in everything I eat.", "question": "Which bakery should I visit in Paris?"},
    {"preference": "I'm allergic to shellfish.", "question": "Recommend a seafood dish for dinner tonight."},
    {"preference": "I love spicy food.", "question": "What should I cook for a date night?"},
]
PETS = [
    {"preference": "My cat Miso hates loud noises.", "question": "Is a drum kit a good hobby for me?"},
    {"preference": "I strictly avoid gluten in everything I eat.", "question": "Suggest a birthday cake."},
]


def write_topics(folder) -> None:
    options = folder / "mcq_options"
    options.mkdir(parents=True)
    extra = {"explanation": "x", "classification_task_options": ["a", "b", "c", "d"]}
    (options / "food.json").write_text(json.dumps([{**item, **extra} for item in FOOD]))
    (options / "pets.json").write_text(json.dumps([{**item, **extra} for item in PETS]))


def test_loader_reads_every_topic_and_keeps_the_first_items(tmp_path) -> None:
    write_topics(tmp_path)
    topics = load_topics(tmp_path, per_topic=2)
    assert list(topics) == ["food", "pets"]
    assert [item.question for item in topics["food"]] == [FOOD[0]["question"], FOOD[1]["question"]]
    assert topics["pets"][0].topic == "pets"


def test_score_counts_the_own_preference_among_the_top_k() -> None:
    rows = [
        {"topic": "a", "preference": "p", "retrieved": ["x", "p", "y"]},
        {"topic": "b", "preference": "q", "retrieved": ["q"]},
    ]
    result = score(rows)
    assert result["recall@1"] == pytest.approx(0.5) and result["recall@3"] == pytest.approx(1.0)
    assert result["by_topic"]["a"]["recall@1"] == 0.0


def test_run_writes_metrics_report_plot_and_resumes(tmp_path, embedder) -> None:
    write_topics(tmp_path / "data")
    out = tmp_path / "out"
    metrics = run(data=tmp_path / "data", out=out)
    assert metrics["n_questions"] == 5 and metrics["n_memories"] == 4  # the shared gluten preference once
    assert set(metrics["modes"]) == {"dense", "bm25", "hybrid"}
    assert metrics["modes"]["dense"]["recall@5"] == pytest.approx(1.0)  # 4 memories: all are in the top 5
    assert set(metrics["modes"]["hybrid"]["by_topic"]) == {"food", "pets"}
    assert json.loads((out / "metrics.json").read_text()) == metrics
    assert "| hybrid |" in (out / "report.md").read_text()
    assert (out / "recall.png").read_bytes()[:4] == b"\x89PNG"
    rows = [json.loads(line) for line in (out / "retrievals_dense.jsonl").read_text().splitlines()]
    assert rows[0]["preference"] == FOOD[0]["preference"] and len(rows[0]["retrieved"]) == 4
    assert run(data=tmp_path / "data", out=out, modes="dense")["modes"]["dense"] == metrics["modes"]["dense"]


def test_cli_runs_with_a_limit_and_names_a_missing_folder(tmp_path, capsys, embedder) -> None:
    write_topics(tmp_path / "data")
    args = ["eval", "prefeval", "--recall", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "o")]
    assert main([*args, "--limit", "1", "--mode", "bm25"]) == 0
    assert json.loads((tmp_path / "o" / "metrics.json").read_text())["n_questions"] == 2
    assert main(["eval", "prefeval", "--recall", "--data", str(tmp_path / "none"), "--out", str(tmp_path / "o")]) == 2
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.slow
def test_eval_prefeval_replies_on_the_embedded_model_counts_every_user_and_writes_a_report(tmp_path, capsys) -> None:
    write_topics(tmp_path / "prefeval")
    out = tmp_path / "out"
    assert (
        main(["eval", "prefeval", "--replies", "--data", str(tmp_path / "prefeval"), "--out", str(out), "--limit", "1"])
        == 0
    )
    rows = [json.loads(line) for line in (out / "replies.jsonl").read_text().splitlines()]
    assert sorted(row["user"] for row in rows) == ["cold", "cold", "told", "told"]  # one item per topic, two users
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["told"]) == {"non_answer", "restates", "follows"} and metrics["chance"] == 0.25
    assert all(row["reply"].strip() for row in rows)
    assert "closest to the option that follows it" in capsys.readouterr().out
