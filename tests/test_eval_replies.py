"""``rapport eval replies``: scenarios through the Assistant, checks, outputs, resume, bad input."""

from __future__ import annotations

import json

import pytest

from agent.cli import main as cli_main
from evals.replies.checks import check, contains, first_person_echo
from evals.replies.runner import run
from evals.replies.scenarios import Scenario, load_scenarios

from .recsys_data import write_movielens
from .scripted_model import ScriptedModel

NONSENSE = "I'm sorry, I don't know what you mean."


def test_the_bundled_set_covers_every_category_with_at_least_ten_scenarios() -> None:
    scenarios = load_scenarios()
    assert len(scenarios) >= 80
    counts = {c: sum(s.category == c for s in scenarios) for c in {s.category for s in scenarios}}
    assert len(counts) == 8 and min(counts.values()) >= 10


def test_checks_catch_non_answers_echoes_and_forbidden_words() -> None:
    scenario = Scenario.model_validate(
        {
            "id": "veg-dinner",
            "category": "preference",
            "turns": [{"text": "I'm a vegetarian."}],
            "ask": {"text": "Dinner idea?"},
            "contain_any": ["vegetarian"],
            "not_contain": ["chicken"],
        }
    )
    assert check(scenario, "Since you're a vegetarian, try a lentil curry.", []) == []
    failures = check(scenario, "I'm a vegetarian too! Try chicken. I don't know what you mean.", [])
    assert any("non-answer" in f for f in failures) and any("echo" in f for f in failures)
    assert any("chicken" in f for f in failures)
    assert contains("You're allergic to peanuts.", "peanut") and not contains("No codes.", "cod")
    assert first_person_echo("You live in Lyon.", ["I live in Lyon."]) is None


def test_a_run_writes_replies_metrics_report_and_plot_and_resumes(tmp_path, embedder) -> None:
    model = ScriptedModel(default_reply=NONSENSE)
    out = tmp_path / "out"
    categories = ["recall", "unknown", "changed", "isolation", "acknowledge", "smalltalk"]
    metrics = run(out, models=["default"], categories=categories, limit=1, chat_model=model)
    result = metrics["models"]["default"]
    assert result["n"] == 6 and set(result["by_category"]) == set(categories)
    # the model says nonsense, yet questions about the user, changes and unknowns are answered from memory
    assert result["by_category"]["recall"]["passed"] == 1 and result["by_category"]["unknown"]["passed"] == 1
    rows = [json.loads(line) for line in (out / "default" / "replies.jsonl").read_text().splitlines()]
    assert len(rows) == 6 and all(NONSENSE not in row["reply"] for row in rows)
    assert (out / "report.md").read_text().startswith("# Reply quality") and (out / "replies.png").stat().st_size
    assert json.loads((out / "metrics.json").read_text()) == metrics
    calls = len(model.calls)
    again = run(out, models=["default"], categories=categories, limit=1, chat_model=model)
    assert again == metrics and len(model.calls) == calls  # resumed: nothing ran twice


def test_bad_scenario_files_and_options_are_clear_errors(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "ok-one", "category": "recall", "ask": {"text": "hi"}}\n{"id": "x", "category": "nope"}\n')
    assert cli_main(["eval", "replies", "--out", str(tmp_path / "o"), "--scenarios", str(bad)]) == 2
    error = capsys.readouterr().err
    assert "line 2" in error and "--scenarios" in error and "Traceback" not in error
    assert cli_main(["eval", "replies", "--out", str(tmp_path / "o"), "--category", "jokes"]) == 2
    assert "unknown ['jokes']" in capsys.readouterr().err
    assert cli_main(["eval", "replies", "--out", str(tmp_path / "o"), "--category", "recommend"]) == 2
    assert "--catalog" in capsys.readouterr().err


@pytest.mark.slow
def test_replies_on_the_embedded_model(tmp_path, embedder, local_model) -> None:
    catalog = write_movielens(tmp_path / "movies")
    metrics = run(tmp_path / "out", models=["default"], catalog_path=catalog, limit=1, chat_model=local_model)
    result = metrics["models"]["default"]
    assert result["n"] == 8
    for category in ("recall", "changed", "unknown", "isolation", "acknowledge", "smalltalk", "recommend"):
        assert result["by_category"][category]["passed"] == 1, category
    assert result["passed"] >= 7
