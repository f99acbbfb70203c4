"""LaMP harness: official metrics on hand-computed cases, formats, bad input, and the pipeline on tiny fixtures."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from agent.cli import main
from agent.llm.errors import ModelUnavailableError
from evals.lamp.data import Question, load_questions, load_split
from evals.lamp.labels import best_label, combine
from evals.lamp.metrics import classification_scores, own_label_ceiling, rating_scores, rouge_scores
from evals.lamp.prompting import build_prompt, distinguishing_prefix, label_options
from evals.lamp.runner import parse_strategies, run
from evals.lamp.tasks import MOVIE_LABELS, NEWS_LABELS, TASKS, extract_query, get_task
from memory import MemoryStore
from memory.errors import InvalidInputError
from tests.conftest import SHARED_DATA
from tests.lamp_fixtures import build_questions, official_name, write_split
from tests.scripted_model import ScriptedModel
from tools.context import ToolContext
from tools.profile_vote import weighted_vote
from tools.registry import TOOLS

ALL_TASKS = ["LaMP_1", "LaMP_2N", "LaMP_2M", "LaMP_3", "LaMP_4", "LaMP_5", "LaMP_6", "LaMP_7"]


def copying_scorer(prompt: str, options: Sequence[str]) -> list[float]:
    """Prefers the option seen most often in the prompt: a 'model' that copies the profile's labels."""
    return [float(prompt.count(option.strip())) for option in options]


def scripted() -> ScriptedModel:
    return ScriptedModel(score_fn=copying_scorer, default_reply=" city budget news\n")


@pytest.fixture
def lamp_store(tmp_path: Path, embedder) -> MemoryStore:
    store = MemoryStore(path=tmp_path / "chroma", embedder=embedder)
    yield store
    store.close()


# -- metrics, pinned on hand-computed cases ------------------------------------------------------


def test_accuracy_and_macro_f1_over_the_whole_label_list() -> None:
    labels = ["a", "b", "c", "d"]
    result = classification_scores(["a", "a", "b", "c"], ["a", " b ", "x", "c"], labels)
    # a: P 1 R .5 F 2/3; b: P 0 (1 wrong prediction); c: F 1; d: never gold nor predicted -> 0.
    assert result["accuracy"] == pytest.approx(0.5)
    assert result["f1"] == pytest.approx((2 / 3 + 0 + 1 + 0) / 4)


def test_an_output_that_is_not_exactly_a_label_is_wrong_and_not_a_class() -> None:
    labels = ["[1]", "[2]"]
    result = classification_scores(["[1]", "[2]"], ["[1]", "2"], labels)
    assert result["accuracy"] == pytest.approx(0.5)
    # [1]: P 1 R 1 F 1; [2]: no prediction of it, so F 0. "2" adds no class of its own.
    assert result["f1"] == pytest.approx(0.5)
    assert classification_scores(["politics"], ["Politics"], NEWS_LABELS)["accuracy"] == 0.0
    assert classification_scores(["politics"], ["  politics\n"], NEWS_LABELS)["accuracy"] == 1.0


def test_a_gold_outside_the_labels_is_an_error_not_a_score() -> None:
    with pytest.raises(InvalidInputError, match="not one of the task's labels"):
        classification_scores(["nonsense"], ["politics"], NEWS_LABELS)


def test_mae_rmse_with_the_worst_case_for_unparseable_output() -> None:
    # gold 1 -> "2": 1; gold 3 -> "x": tie between 1 and 5 goes to 5: 2; gold 5 -> "nan": 1 is worse: 4;
    # gold 2 -> "2.5": 0.5; gold 4 -> " 4 ": 0.
    result = rating_scores(["1", "3", "5", "2", "4"], ["2", "x", "nan", "2.5", " 4 "])
    assert result["mae"] == pytest.approx((1 + 2 + 4 + 0.5 + 0) / 5)
    assert result["rmse"] == pytest.approx(math.sqrt((1 + 4 + 16 + 0.25 + 0) / 5))
    assert rating_scores(["2"], ["five"])["mae"] == pytest.approx(3.0)  # 5 is farther from 2 than 1


def test_rouge_f_measure_mean_without_stemming() -> None:
    result = rouge_scores(["the cat sat on the mat", "cats run"], ["the cat sat", "cat running"])
    # 1st: 3 of 3 predicted unigrams match, 3 of 6 gold: F = 2 * 1 * .5 / 1.5 = 2/3 (LCS is 3 too).
    # 2nd: no stemming, so "cats"/"cat" and "run"/"running" do not match: 0.
    assert result["rouge1"] == pytest.approx((2 / 3 + 0) / 2)
    assert result["rougeL"] == pytest.approx((2 / 3 + 0) / 2)


# -- tasks and prompts ---------------------------------------------------------------------------


def test_task_names_and_the_two_lamp_2_variants() -> None:
    assert get_task("lamp-2n").name == "LaMP_2N"
    assert get_task("LaMP_2", ["politics"]).name == "LaMP_2N"
    assert get_task("LaMP_2", ["comedy", "sci-fi"]).name == "LaMP_2M"
    assert {spec.official for spec in TASKS.values()} == {f"LaMP_{i}" for i in range(1, 8)}
    with pytest.raises(InvalidInputError, match="unknown task 'LaMP_9'"):
        get_task("LaMP_9")


def test_news_prompt_follows_the_official_template() -> None:
    spec = TASKS["LaMP_2N"]
    items = [{"text": "Senate votes", "category": "politics"}, {"text": "Cup final", "category": "sports"}]
    prompt = build_prompt(spec, "Which category ... article: Budget passes", items)
    assert prompt == (
        'the category for the article: "Senate votes" is "politics" , and '
        'the category for the article: "Cup final" is "sports" . Which category ... article: Budget passes category:'
    )
    assert build_prompt(spec, "X article: Y", []) == "X article: Y category:"
    assert build_prompt(spec, "X", items[:1], summary="This person reads politics.").startswith(
        "What we know about this user: This person reads politics.\nthe category for the article"
    )


def test_citation_prompt_puts_profile_titles_after_the_word_title() -> None:
    spec = TASKS["LaMP_1"]
    question = 'For an author who has written the paper with the title "A", which reference? [1]: "B" [2]: "C"'
    prompt = build_prompt(spec, question, [{"title": "P1", "abstract": "x"}, {"title": "P2", "abstract": "y"}])
    assert prompt.startswith('For an author who has written the paper with the title, and "P1", and "P2" "A"')
    assert extract_query(spec, question) == "B C"


def test_label_options_are_the_words_that_tell_labels_apart() -> None:
    assert distinguishing_prefix("dark comedy", MOVIE_LABELS) == "dark"
    assert distinguishing_prefix("science & technology", NEWS_LABELS) == "science"
    assert distinguishing_prefix("comedy", ["comedy", "comedy drama"]) == "comedy"
    for spec in TASKS.values():
        if spec.has_labels:
            options = label_options(spec)
            assert len(set(options)) == len(spec.labels) and all(o.startswith(" ") for o in options)


def test_strategy_lists() -> None:
    assert parse_strategies("all", TASKS["LaMP_2N"])[-3:] == ["vote", "blend", "cfrag"]
    assert parse_strategies("all", TASKS["LaMP_1"])[-1] == "vote"
    assert "vote" not in parse_strategies("all", TASKS["LaMP_4"])
    assert parse_strategies("bm25, dense,bm25", TASKS["LaMP_2N"]) == ["bm25", "dense"]
    with pytest.raises(InvalidInputError, match="unknown strategy"):
        parse_strategies("bm52", TASKS["LaMP_2N"])
    with pytest.raises(InvalidInputError, match="vote needs a labelled task"):
        parse_strategies("vote", TASKS["LaMP_7"])
    with pytest.raises(InvalidInputError, match="blend needs a labelled task"):
        parse_strategies("blend", TASKS["LaMP_1"])
    with pytest.raises(InvalidInputError, match="cfrag needs a labelled task"):
        parse_strategies("cfrag", TASKS["LaMP_4"])


def test_blend_lets_the_profile_overrule_a_biased_model_and_vice_versa() -> None:
    spec = TASKS["LaMP_2N"]
    labels = spec.labels
    biased = [math.log(0.5 if label == "women" else 0.5 / (len(labels) - 1)) for label in labels]
    votes_sports = [0.6 if label == "sports" else 0.4 / (len(labels) - 1) for label in labels]
    assert best_label(spec, combine(np.array(biased), votes_sports, 1.0)) == "sports"  # a mild bias loses
    sure = [math.log(0.97 if label == "politics" else 0.03 / (len(labels) - 1)) for label in labels]
    assert best_label(spec, combine(np.array(sure), votes_sports, 1.0)) == "politics"  # a confident model wins
    assert best_label(spec, combine(np.array(biased), votes_sports, 0.0)) == "women"  # weight 0: the model alone
    assert math.isclose(sum(votes_sports), 1.0)


def test_weighted_vote_prefers_similar_items_over_counts() -> None:
    assert weighted_vote([("sports", 0.9), ("politics", 0.3), ("politics", 0.3)]) == "sports"
    assert weighted_vote([("sports", 0.2), ("politics", 0.3), ("politics", 0.3)]) == "politics"
    assert (
        weighted_vote([("crime", -0.5), ("crime", -0.2), ("travel", 0.0)]) == "crime"
    )  # counts when nothing is similar
    assert weighted_vote([]) is None


def test_profile_vote_is_an_agent_tool(lamp_store: MemoryStore) -> None:
    lamp_store.add_many(
        "reader",
        [
            {"text": "Senate passes the budget bill", "metadata": {"label": "politics"}},
            {"text": "Striker scores twice in the cup final", "metadata": {"label": "sports"}},
            {"text": "The president vetoes the bill", "metadata": {"label": "politics"}},
        ],
    )
    result = TOOLS["profile_vote"].call(
        ToolContext(user_id="reader", store=lamp_store), {"query": "Senate vote on taxes"}
    )
    assert result["label"] == "politics"
    assert TOOLS["profile_vote"].schema()["function"]["parameters"]["required"] == ["query"]


# -- data and bad input --------------------------------------------------------------------------


def test_shared_lamp_2n_split_loads() -> None:
    folder = SHARED_DATA / "lamp" / "LaMP_2N"
    if not folder.is_dir():
        pytest.skip("shared LaMP_2N data not present")
    questions, outputs = load_split(folder, "dev", TASKS["LaMP_2N"])
    assert len(questions) == 300 and outputs.task == "LaMP_2"
    assert all(len(q.profile) == 3 for q in questions)
    ceiling = own_label_ceiling(TASKS["LaMP_2N"], questions, outputs.golds)
    assert ceiling is not None and 0.7 < ceiling < 0.9  # 0.80: a fifth of the answers are not in the profile


def test_own_label_ceiling_counts_golds_found_in_the_profile() -> None:
    def question(qid: str, labels: list[str]) -> Question:
        return Question(
            qid, "article: x", [{"id": f"{qid}_{i}", "text": "x", "category": c} for i, c in enumerate(labels)]
        )

    questions = [question("1", ["politics", "sports"]), question("2", ["crime"]), question("3", ["women", "women"])]
    golds = {"1": "sports", "2": "politics", "3": "women"}
    assert own_label_ceiling(TASKS["LaMP_2N"], questions, golds) == pytest.approx(2 / 3)
    assert own_label_ceiling(TASKS["LaMP_4"], questions, golds) is None


def _rewrite(folder: Path, name: str, change) -> None:
    path = folder / name
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="dev_outputs.json: file not found"):
        load_split(tmp_path, "dev", TASKS["LaMP_2N"])
    folder = write_split(tmp_path / "data", "LaMP_2N")
    (folder / "dev_questions.json").unlink()
    with pytest.raises(InvalidInputError, match="data/dev_questions.json: file not found"):
        load_split(folder, "dev", TASKS["LaMP_2N"])


def test_ids_that_differ_between_questions_and_outputs(tmp_path: Path) -> None:
    folder = write_split(tmp_path, "LaMP_2N")
    _rewrite(folder, "dev_outputs.json", lambda d: d["golds"][0].update(id="999"))
    with pytest.raises(InvalidInputError, match=r"dev_outputs.json: id: 1 ids of .* missing \(e.g. 10\)"):
        load_split(folder, "dev", TASKS["LaMP_2N"])


def test_profile_item_missing_a_field_names_file_id_and_field(tmp_path: Path) -> None:
    folder = write_split(tmp_path, "LaMP_2N")
    _rewrite(folder, "dev_questions.json", lambda d: d[1]["profile"][2].pop("category"))
    with pytest.raises(InvalidInputError, match=r"dev_questions.json: id 11: profile\[2\]: category: is missing"):
        load_split(folder, "dev", TASKS["LaMP_2N"])


def test_empty_profile_and_duplicate_ids(tmp_path: Path) -> None:
    folder = write_split(tmp_path / "empty", "LaMP_3")
    _rewrite(folder, "dev_questions.json", lambda d: d[0].update(profile=[]))
    with pytest.raises(InvalidInputError, match="id 40: profile: is empty"):
        load_split(folder, "dev", TASKS["LaMP_3"])
    folder = write_split(tmp_path / "twice", "LaMP_3")
    _rewrite(folder, "dev_questions.json", lambda d: d.append(d[1]))
    with pytest.raises(InvalidInputError, match="id 41: id: appears twice"):
        load_questions(folder / "dev_questions.json", TASKS["LaMP_3"])


def test_non_utf8_and_wrong_task(tmp_path: Path) -> None:
    folder = write_split(tmp_path, "LaMP_4")
    path = folder / "dev_questions.json"
    path.write_bytes(path.read_bytes().replace(b"city", b"cit\xe9"))
    with pytest.raises(InvalidInputError, match="dev_questions.json: is not UTF-8"):
        load_split(folder, "dev", TASKS["LaMP_4"])
    folder = write_split(tmp_path / "again", "LaMP_4")
    with pytest.raises(InvalidInputError, match="task: is 'LaMP_4', expected 'LaMP_5'"):
        load_split(folder, "dev", TASKS["LaMP_5"])


# -- the pipeline on every task with the scripted model -------------------------------------------


@pytest.mark.parametrize("task", ALL_TASKS)
def test_pipeline_on_each_task(task: str, tmp_path: Path, lamp_store: MemoryStore) -> None:
    data = write_split(tmp_path / "data", task)
    out = tmp_path / "out"
    metrics = run(
        task=task, data=data, split="dev", strategies="all", k=2, out=out, model=scripted(), store=lamp_store,
        progress=False,
    )  # fmt: skip
    spec = TASKS[task]
    expected = ["none", "random", "recency", "bm25", "dense", "hybrid", "summary"]
    expected += ["vote"] if spec.has_labels else []
    expected += ["blend", "cfrag"] if spec.label_field is not None else []
    assert list(metrics["strategies"]) == expected
    keys = {"classification": {"accuracy", "f1"}, "rating": {"mae", "rmse"}, "generation": {"rouge1", "rougeL"}}
    questions, golds = build_questions(task)
    for strategy, scores in metrics["strategies"].items():
        assert set(scores) == keys[spec.kind]
        preds = json.loads((out / f"preds_{strategy}.json").read_text())
        assert preds["task"] == official_name(task)
        assert [p["id"] for p in preds["golds"]] == [q["id"] for q in questions]
        if spec.has_labels:
            assert all(p["output"] in spec.labels for p in preds["golds"])
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["task"] == task and saved["n"] == 3 and saved["strategies"] == metrics["strategies"]
    assert 0.0 <= saved["timing"]["model_share"] <= 1.0
    assert "NOT comparable" in (out / "report.md").read_text() or task in ("LaMP_6",)
    assert (out / "strategies.png").stat().st_size > 0
    if task == "LaMP_2N":  # the copying 'model' gets every user right once it sees their profile
        assert metrics["strategies"]["none"]["accuracy"] < metrics["strategies"]["hybrid"]["accuracy"] == 1.0


def test_rerun_resumes_from_the_cache(tmp_path: Path, lamp_store: MemoryStore) -> None:
    data = write_split(tmp_path / "data", "LaMP_2N")
    first_model = scripted()
    first = run(task="LaMP_2N", data=data, split="dev", strategies="none,bm25,summary", k=3,
                out=tmp_path / "out", model=first_model, store=lamp_store, progress=False)  # fmt: skip
    assert first["timing"]["model_calls"] > 0
    second_model = scripted()
    second = run(task="LaMP_2N", data=data, split="dev", strategies="none,bm25,summary", k=3,
                 out=tmp_path / "out", model=second_model, store=lamp_store, progress=False)  # fmt: skip
    assert second_model.calls == [] and second["timing"]["model_calls"] == 0
    assert second["strategies"] == first["strategies"]


def test_classification_never_parses_free_text(tmp_path: Path, lamp_store: MemoryStore) -> None:
    data = write_split(tmp_path / "data", "LaMP_2M")
    model = scripted()
    run(task="LaMP_2M", data=data, split="dev", strategies="hybrid", k=2, out=tmp_path / "out", model=model,
        store=lamp_store, progress=False)  # fmt: skip
    assert {name for name, _ in model.calls} == {"score"}
    prompt, options = model.calls[0][1]
    assert prompt.endswith("tag:") and options == label_options(TASKS["LaMP_2M"])


def test_a_model_that_cannot_score_answers_by_generation(tmp_path: Path, lamp_store: MemoryStore) -> None:
    def refuse(prompt: str, options: Sequence[str]) -> list[float]:
        raise ModelUnavailableError("this endpoint returns no prompt log-probabilities")

    data = write_split(tmp_path / "data", "LaMP_2N")
    model = ScriptedModel(["politics", " Sports.", "crime"], score_fn=refuse)
    metrics = run(task="LaMP_2N", data=data, split="dev", strategies="bm25", k=2, out=tmp_path / "out", model=model,
                  store=lamp_store, progress=False)  # fmt: skip
    assert [name for name, _ in model.calls] == ["score", "generate", "generate", "generate"]
    assert metrics["strategies"]["bm25"]["accuracy"] == pytest.approx(2 / 3, abs=1e-4)  # " Sports.": wrong


# -- the CLI -------------------------------------------------------------------------------------


def test_cli_vote_run_and_official_scoring(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_split(tmp_path / "data", "LaMP_2N")
    out = tmp_path / "out"
    assert (
        main(["eval", "lamp", "--task", "LaMP_2N", "--data", str(data), "--strategy", "vote", "--out", str(out)]) == 0
    )
    capsys.readouterr()
    args = ["eval", "lamp-score", "--task", "LaMP_2", "--golds", str(data / "dev_outputs.json")]
    assert main([*args, "--preds", str(out / "preds_vote.json"), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == {"accuracy": 1.0, "f1": pytest.approx(3 / 15)}
    assert printed["accuracy"] == json.loads((out / "metrics.json").read_text())["strategies"]["vote"]["accuracy"]


def test_cli_errors_are_one_line_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_split(tmp_path / "data", "LaMP_3")
    preds = tmp_path / "preds.json"
    preds.write_text(json.dumps({"task": "LaMP_3", "golds": [{"id": "40", "output": "5"}]}))
    args = ["eval", "lamp-score", "--task", "LaMP_3", "--golds", str(data / "dev_outputs.json"), "--preds", str(preds)]
    assert main(args) == 2
    error = capsys.readouterr().err
    assert "preds.json: id: 2 ids of" in error and "Traceback" not in error
    assert main(["eval", "lamp", "--task", "LaMP_8", "--data", str(data), "--out", str(tmp_path / "o")]) == 2
    assert "unknown task 'LaMP_8'" in capsys.readouterr().err


# -- the local model (slow) ----------------------------------------------------------------------


@pytest.mark.slow
def test_local_model_on_real_lamp_2n_questions(tmp_path: Path, local_model, lamp_store: MemoryStore) -> None:
    folder = SHARED_DATA / "lamp" / "LaMP_2N"
    if not folder.is_dir():
        pytest.skip("shared LaMP_2N data not present")
    metrics = run(task="LaMP_2N", data=folder, split="dev", strategies="none,hybrid,summary,vote", k=3, limit=4,
                  out=tmp_path / "out", model=local_model, store=lamp_store, progress=False)  # fmt: skip
    assert metrics["n"] == 4
    assert metrics["strategies"]["hybrid"]["accuracy"] >= 0.5  # the first questions are easy politics/sports ones
    assert metrics["timing"]["model_calls"] >= 4
    preds = json.loads((tmp_path / "out" / "preds_summary.json").read_text())
    assert all(p["output"] in NEWS_LABELS for p in preds["golds"])


@pytest.mark.slow
def test_local_model_generates_headlines(tmp_path: Path, local_model, lamp_store: MemoryStore) -> None:
    data = write_split(tmp_path / "data", "LaMP_4")
    metrics = run(task="LaMP_4", data=data, split="dev", strategies="none,bm25", k=2, out=tmp_path / "out",
                  model=local_model, store=lamp_store, progress=False)  # fmt: skip
    preds = json.loads((tmp_path / "out" / "preds_bm25.json").read_text())
    assert len(preds["golds"]) == 3 and all("\n" not in p["output"] for p in preds["golds"])
    assert 0.0 <= metrics["strategies"]["bm25"]["rouge1"] <= 1.0
