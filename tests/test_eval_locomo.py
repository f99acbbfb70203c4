"""``rapport eval locomo`` on a small conversation file written by the test, and on the shared data."""

from __future__ import annotations

import json

import pytest

from agent.cli import main
from evals.locomo.data import load_conversations
from evals.locomo.runner import run, score

from .conftest import SHARED_DATA


def write_conversation(path) -> None:
    sessions = {
        "speaker_a": "Ada",
        "speaker_b": "Ben",
        "session_1_date_time": "9:00 am on 3 March, 2024",
        "session_1": [
            {"speaker": "Ada", "dia_id": "D1:1", "text": "I adopted a greyhound called Comet last week!"},
            {"speaker": "Ben", "dia_id": "D1:2", "text": "Lovely. I started learning the bassoon."},
            {"speaker": "Ada", "dia_id": "D1:3", "text": "Here is my garden", "blip_caption": "a photo of tulips"},
        ],
        "session_2_date_time": "6:30 pm on 10 April, 2024",
        "session_2": [
            {"speaker": "Ben", "dia_id": "D2:1", "text": "My bassoon teacher moved to Oslo."},
            {"speaker": "Ada", "dia_id": "D2:2", "text": "Comet won a race at the park!"},
        ],
    }
    qa = [
        {"question": "What is the name of Ada's dog?", "answer": "Comet", "evidence": ["D1:1"], "category": 4},
        {"question": "Which instrument does Ben learn?", "answer": "oboe", "evidence": ["D1:2; D2:1"], "category": 1},
        {"question": "What flowers grow in Ada's garden?", "answer": "tulips", "evidence": ["D1:3"], "category": 4},
        {"question": "What did Ben say about cars?", "adversarial_answer": "x", "evidence": [], "category": 5},
    ]
    path.write_text(json.dumps([{"sample_id": "tiny-1", "conversation": sessions, "qa": qa}]))


def test_loader_reads_turns_dates_captions_and_split_evidence(tmp_path) -> None:
    data = tmp_path / "tiny.json"
    write_conversation(data)
    (conversation,) = load_conversations(data)
    assert [t.dia_id for t in conversation.turns] == ["D1:1", "D1:2", "D1:3", "D2:1", "D2:2"]
    assert conversation.turns[3].session_time.isoformat() == "2024-04-10T18:30:00+00:00"
    assert conversation.turns[2].as_memory_text() == "Ada: Here is my garden [shares an image: a photo of tulips]"
    assert conversation.questions[1].evidence == ["D1:2", "D2:1"]


def test_score_counts_evidence_shares_per_k() -> None:
    rows = [
        {"evidence": ["a", "b"], "retrieved": ["a", "x", "b"], "category": 1},
        {"evidence": ["c"], "retrieved": ["x", "y", "z"], "category": 4},
    ]
    result = score(rows, [1, 3])
    assert result["recall@1"] == pytest.approx(0.25) and result["recall@3"] == pytest.approx(0.5)
    assert result["hit@1"] == pytest.approx(0.5) and result["hit@3"] == pytest.approx(0.5)
    assert result["by_category"]["4"]["recall@3"] == 0.0


def test_run_writes_metrics_report_plot_and_resumes(tmp_path, embedder) -> None:
    data = tmp_path / "tiny.json"
    write_conversation(data)
    out = tmp_path / "out"
    metrics = run(data=data, k=3, modes="all", out=out)
    assert metrics["n_questions"] == 3 and metrics["n_memories"] == 5
    assert set(metrics["modes"]) == {"dense", "bm25", "hybrid", "recency"}
    assert metrics["modes"]["hybrid"]["recall@3"] == pytest.approx(1.0)
    assert json.loads((out / "metrics.json").read_text()) == metrics
    assert "| hybrid |" in (out / "report.md").read_text()
    assert (out / "recall.png").read_bytes()[:4] == b"\x89PNG"
    rows = [json.loads(line) for line in (out / "retrievals_bm25.jsonl").read_text().splitlines()]
    assert rows[0]["retrieved"][0] == "D1:1"
    assert run(data=data, k=3, modes="hybrid", out=out)["modes"]["hybrid"] == metrics["modes"]["hybrid"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--mode", "fuzzy"], "--mode: unknown mode(s) ['fuzzy']"),
        (["--k", "0"], "--k: must be at least 1"),
    ],
)
def test_cli_rejects_bad_arguments(tmp_path, capsys, argv, message) -> None:
    data = tmp_path / "tiny.json"
    write_conversation(data)
    code = main(["eval", "locomo", "--data", str(data), "--out", str(tmp_path / "o"), *argv])
    assert code == 2 and message in capsys.readouterr().err


def test_cli_names_a_missing_or_broken_file(tmp_path, capsys) -> None:
    assert main(["eval", "locomo", "--data", str(tmp_path / "none.json"), "--out", str(tmp_path / "o")]) == 2
    assert "does not exist" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_bytes(b"\xff\xfe not json")
    assert main(["eval", "locomo", "--data", str(broken), "--out", str(tmp_path / "o")]) == 2
    assert "not UTF-8 JSON" in capsys.readouterr().err


@pytest.mark.slow
def test_hybrid_beats_dense_and_bm25_on_the_shared_conversations(tmp_path) -> None:
    metrics = run(data=SHARED_DATA / "locomo" / "locomo_dev.json", k=10, modes="dense,bm25,hybrid", out=tmp_path)
    recall = {mode: scores["recall@10"] for mode, scores in metrics["modes"].items()}
    assert metrics["n_questions"] == 383
    assert recall["hybrid"] > max(recall["dense"], recall["bm25"])
