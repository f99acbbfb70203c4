"""The personalization methods on LaMP: calibrated label scoring, collaborative retrieval (cfrag), tuning on
a split that is never reported as the result, profile prompts chosen by what they help, and the agent tool."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import tools.personal_label  # noqa: F401  (registers the tool)
from evals.lamp.calibration import Scoring, content_free_input, per_token, prior_from
from evals.lamp.cfrag import CollaborativePool
from evals.lamp.data import load_questions
from evals.lamp.runner import run
from evals.lamp.tasks import TASKS
from evals.lamp.tuning import half_of, load_params, split_halves
from memory import MemoryStore
from memory.errors import InvalidInputError
from tests.lamp_fixtures import NEWS_INPUT, NEWS_TOPICS, news_users, write_news_users
from tests.scripted_model import ScriptedModel
from tools.calibrate import calibrate
from tools.collaborative import LabelledItem, RetrieverWeights, retrieve, unit
from tools.context import ToolContext
from tools.registry import TOOLS

NEWS = TASKS["LaMP_2N"]
TOPIC_WORDS = {label: {w for text in texts for w in text.split() if len(w) > 4} for label, texts in NEWS_TOPICS}


@pytest.fixture
def lamp_store(tmp_path: Path, embedder) -> MemoryStore:
    store = MemoryStore(path=tmp_path / "chroma", embedder=embedder)
    yield store
    store.close()


def biased_reader(prompt: str, options: Sequence[str]) -> list[float]:
    """A 'model' that reads the article's topic words, copies the profile's labels a little, and loves "women"."""
    article = prompt.rsplit("article:", 1)[-1]
    scores = []
    for option in options:
        label = option.strip()
        reads = 2.0 if any(word in article for word in TOPIC_WORDS.get(label, ())) else 0.0
        scores.append(reads + 0.5 * prompt.count(f'"{label}"') + (3.0 if label == "women" else 0.0))
    return scores


# -- calibration -----------------------------------------------------------------------------------


def test_content_free_input_keeps_the_instruction_and_drops_the_content() -> None:
    news = NEWS_INPUT.format("Senate passes the budget")
    free = content_free_input(NEWS, news)
    assert free.endswith("article: N/A") and free.startswith("Which category does this article relate to")
    assert "Senate" not in free
    citation = 'For an author who has written the paper with the title "A b", which reference? [1]: "B" [2]: "C"'
    assert content_free_input(TASKS["LaMP_1"], citation) == (
        'For an author who has written the paper with the title "N/A", which reference? [1]: "N/A" [2]: "N/A"'
    )
    assert content_free_input(TASKS["LaMP_3"], "What is the score? review: Great kettle") == (
        "What is the score? review: N/A"
    )


def test_calibration_divides_out_the_label_prior() -> None:
    evidence = np.log([0.2, 0.5, 0.3])
    prior = np.log([0.9, 0.05, 0.05])
    biased = evidence + prior  # the model's view: evidence times its own prior
    assert int(np.argmax(biased)) == 0
    assert int(np.argmax(calibrate(biased, prior))) == 1
    assert np.allclose(np.exp(calibrate(biased, prior)), [0.2, 0.5, 0.3])
    assert np.allclose(calibrate(biased, None), biased - np.logaddexp.reduce(biased))
    rows = [np.log([0.8, 0.1, 0.1]), np.log([0.6, 0.3, 0.1])]
    assert np.allclose(np.exp(prior_from(rows)), [0.7, 0.2, 0.1])
    with pytest.raises(InvalidInputError, match="tuning split"):
        prior_from([])


def test_per_token_means_let_a_long_label_compete() -> None:
    sums = [-3.0, -4.5]  # a one-token label, and a three-token label whose later tokens are near certain
    assert int(np.argmax(sums)) == 0
    assert int(np.argmax(per_token(sums, [1, 3]))) == 1


def test_scoring_names_the_bad_field() -> None:
    with pytest.raises(InvalidInputError, match="scoring.calibration"):
        Scoring(calibration="batch")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="scoring.labels"):
        Scoring(labels="words")  # type: ignore[arg-type]
    assert Scoring("full", True, "content-free").name() == "full/token+content-free"


# -- the tuning split ------------------------------------------------------------------------------


def test_halves_are_fixed_by_id_and_disjoint(tmp_path: Path) -> None:
    folder = write_news_users(tmp_path, 40)
    questions = load_questions(folder / "dev_questions.json", NEWS)
    halves = split_halves(questions)
    assert len(halves["tune"]) + len(halves["held"]) == 40 and min(map(len, halves.values())) >= 10
    assert not {q.id for q in halves["tune"]} & {q.id for q in halves["held"]}
    assert all(half_of(q.id) == "tune" for q in split_halves(list(reversed(questions)))["tune"])


def _tuned_run(tmp_path: Path, store: MemoryStore, data: Path, name: str, **extra: object) -> dict:
    return run(task="LaMP_2N", data=data, split="dev", strategies="hybrid,vote,blend,cfrag", k=3,
               out=tmp_path / name, model=ScriptedModel(score_fn=biased_reader), store=store, progress=False,
               **extra)  # type: ignore[arg-type]  # fmt: skip


def test_tune_half_reports_the_held_out_half_and_writes_what_it_tuned(tmp_path: Path, lamp_store) -> None:
    data = write_news_users(tmp_path / "data", 40)
    metrics = _tuned_run(tmp_path, lamp_store, data, "tuned", tune="half", ablation=True)
    held, tune = metrics["subsets"]["held"], metrics["subsets"]["tune"]
    assert held["n"] + tune["n"] == 40
    assert "tuning half" in metrics["tuned_on"] and "never seen by tuning" in metrics["tuned_on"]
    tuned = json.loads((tmp_path / "tuned" / "tuned.json").read_text())
    assert set(tuned["scoring"]) == {"hybrid", "blend", "cfrag"}
    # The biased 'model' prefers "women" whatever it reads: tuning must pick a calibration against it.
    assert tuned["scoring"]["hybrid"]["calibration"] != "none"
    rows = {(row["method"], row["change"]): row for row in metrics["ablation"]}
    raw = rows[("hybrid", "model only, prefix")]["held"]
    assert rows[("hybrid", "model only, prefix+content-free")]["held"] > raw
    assert metrics["subsets"]["held"]["strategies"]["hybrid"]["accuracy"] > raw
    assert ("cfrag vote", "the same retriever without neighbours (own items only, no model)") in rows
    report = (tmp_path / "tuned" / "report.md").read_text()
    assert "## Ablation" in report and "held accuracy" in report and "s/question" in report

    again = _tuned_run(tmp_path, lamp_store, data, "reused", params_path=tmp_path / "tuned" / "tuned.json")
    assert again["strategies"] == metrics["strategies"] and again["subsets"] == {}
    with pytest.raises(InvalidInputError, match="--params"):
        _tuned_run(tmp_path, lamp_store, data, "both", tune="half", params_path=tmp_path / "tuned" / "tuned.json")


def test_tuning_never_reads_a_held_out_answer(tmp_path: Path, lamp_store) -> None:
    data = write_news_users(tmp_path / "true", 40)
    first = _tuned_run(tmp_path, lamp_store, data, "a", tune="half")
    outputs = json.loads((data / "dev_outputs.json").read_text())
    for gold in outputs["golds"]:
        if half_of(gold["id"]) == "held":
            gold["output"] = "religion"  # every held-out answer changed
    changed = tmp_path / "changed"
    changed.mkdir()
    (changed / "dev_questions.json").write_text((data / "dev_questions.json").read_text())
    (changed / "dev_outputs.json").write_text(json.dumps(outputs))
    second = _tuned_run(tmp_path, lamp_store, changed, "b", tune="half")
    params = [json.loads((tmp_path / name / "tuned.json").read_text()) for name in ("a", "b")]
    for p in params:
        p.pop("tuned_on")
    assert params[0] == params[1]
    assert first["subsets"]["tune"] == second["subsets"]["tune"]
    assert second["subsets"]["held"]["strategies"]["hybrid"]["accuracy"] == 0.0


def test_shipped_parameters_say_where_they_were_tuned() -> None:
    params = load_params(NEWS)
    assert "tuning half" in params.tuned_on and params.scoring
    with pytest.raises(InvalidInputError, match="--params"):
        load_params(NEWS, Path("/nonexistent/tuned.json"))


# -- collaborative retrieval ----------------------------------------------------------------------


def test_cfrag_finds_similar_users_and_never_uses_the_input_itself(embedder, tmp_path: Path) -> None:
    questions_json, _ = news_users(10)
    # Question 100's article is also an item (with its answer) in the profile of question 105.
    article = questions_json[0]["input"].split("article: ", 1)[1]
    questions_json[5]["profile"][0] = {"id": "leak", "text": article, "category": "politics"}
    path = tmp_path / "dev_questions.json"
    path.write_text(json.dumps(questions_json))
    questions = load_questions(path, NEWS)
    pool = CollaborativePool(embedder, NEWS, questions)
    retrieved = pool.retrieve(questions[0], RetrieverWeights(neighbours=1, k=12))
    assert all(article not in entry.item.text for entry in retrieved)
    owners = {entry.item.owner for entry in retrieved if not entry.own}
    assert owners == {"105"}  # the nearest user: the only other politics writer among the first ten
    assert all(entry.item.label == "politics" for entry in retrieved) and len(retrieved) == 5  # 3 own + 2 left
    wider = pool.retrieve(questions[0], RetrieverWeights(neighbours=9, k=40))
    assert len(wider) == 3 + 8 * 3 + 2 and all(article not in entry.item.text for entry in wider)
    assert [e.own for e in pool.retrieve(questions[0], RetrieverWeights(neighbours=0, k=12))] == [True] * 3


def test_the_retriever_is_conditioned_on_the_user_as_well_as_the_input() -> None:
    def vec(*values: float) -> np.ndarray:
        return unit(np.array(values, dtype=float))

    own = [LabelledItem("mine", "a", "me", vec(0, 1, 0))]
    near_me = LabelledItem("near me", "b", "n", vec(0.7, 0.7, 0))
    far_from_me = LabelledItem("far from me", "c", "n", vec(0.7, -0.7, 0))
    query = vec(1, 0, 0)  # both neighbour items are equally close to the input
    ranked = retrieve(query, own, [([far_from_me, near_me], 0.9)], RetrieverWeights(user_weight=0.5, own_bonus=0, k=3))
    order = [e.item.text for e in ranked]
    assert order.index("near me") < order.index("far from me")
    assert [e.item.text for e in retrieve(query, own, [([far_from_me, near_me], 0.9)], RetrieverWeights(
        user_weight=0.0, own_bonus=0, k=3))][2] == "mine"  # fmt: skip
    ranked = retrieve(query, own, [([near_me], 0.9)], RetrieverWeights(user_weight=0, own_bonus=2.0, k=3))
    assert ranked[0].own and ranked[0].item.text == "mine"
    excluded = retrieve(query, own, [([near_me], 0.9)], RetrieverWeights(k=3), exclude=frozenset({"near me"}))
    assert [e.item.text for e in excluded] == ["mine"]


# -- the summary: one summarizer, prompts chosen by what they help ----------------------------------


def test_summary_prompt_is_chosen_by_downstream_accuracy(tmp_path: Path, lamp_store) -> None:
    def summarise(messages) -> str:
        prompt = messages[-1].content
        if prompt.rstrip().endswith("The categories this person gives most are"):
            labels = re.findall(r'is "([^"]+)"', prompt)
            return " " + max(set(labels), key=labels.count) + ", and collects rare stamps"
        return " reports and stories"  # backed by the notes ("Report ..."), but no help

    def reads_the_summary(prompt: str, options: Sequence[str]) -> list[float]:
        first = prompt.split("\n", 1)[0] if prompt.startswith("What we know") else ""
        return [float(first.count(option.strip())) for option in options]

    data = write_news_users(tmp_path / "data", 24)
    model = ScriptedModel(reply_fn=summarise, score_fn=reads_the_summary)
    metrics = run(task="LaMP_2N", data=data, split="dev", strategies="summary", k=1, out=tmp_path / "out",
                  model=model, store=lamp_store, progress=False, tune="half")  # fmt: skip
    tuned = json.loads((tmp_path / "out" / "tuned.json").read_text())
    assert tuned["summary_prompt"] == "labels"
    tried = tuned["evidence"]["summary_prompts"]
    assert set(tried) == {"topics", "product", "labels"} and tried["labels"] > max(tried["topics"], tried["product"])
    assert metrics["subsets"]["held"]["strategies"]["summary"]["accuracy"] >= 0.7
    # The summaries went through the product's summarizer: the invented hobby is not in the notes, so it is gone.
    scored = [args[0] for name, args in model.calls if name == "score" and args[0].startswith("What we know")]
    assert scored and all("stamps" not in prompt for prompt in scored)
    assert any("The categories this person gives most are politics" in prompt for prompt in scored)


# -- the agent tool and the sharing rule ----------------------------------------------------------


def _labelled_store(store: MemoryStore) -> None:
    store.add_many("alice", [
        {"text": "Senate passes the budget bill", "kind": "interaction", "metadata": {"label": "politics"}},
        {"text": "The governor signs a new law", "kind": "interaction", "metadata": {"label": "politics"}},
    ])  # fmt: skip
    store.add_many("bob", [
        {"text": "Senate debates the tax bill", "kind": "interaction", "metadata": {"label": "politics"}},
        {"text": "The football cup final ends in penalties", "kind": "interaction", "metadata": {"label": "sports"}},
        {"text": "A tennis player wins the open final", "kind": "interaction", "metadata": {"label": "sports"}},
        {"text": "The basketball final goes to overtime", "kind": "interaction", "metadata": {"label": "sports"}},
        {"text": "My football cup final ticket cost my savings", "kind": "fact", "metadata": {"label": "money"}},
    ])  # fmt: skip
    store.add_many("carol", [
        {"text": "Senate football cup final gossip", "kind": "interaction",
         "metadata": {"label": "secret", "shareable": False}},
    ])  # fmt: skip


def test_personal_label_uses_neighbours_interactions_never_their_private_memories(lamp_store) -> None:
    _labelled_store(lamp_store)
    tool = TOOLS["personal_label"]
    assert tool.schema()["function"]["parameters"]["required"] == ["query"]
    result = tool.call(ToolContext(user_id="alice", store=lamp_store), {"query": "Who won the football cup final?"})
    texts = [e["text"] for e in result["evidence"]]
    assert "The football cup final ends in penalties" in texts  # bob's shared interaction
    assert not any("savings" in t or "gossip" in t for t in texts)  # bob's private fact, carol's withheld item
    assert "money" not in result["scores"] and "secret" not in result["scores"]
    assert result["label"] == "sports" and result["used_model"] is False
    assert {e["from"] for e in result["evidence"]} == {"you", "a similar user"}
    alone = tool.call(ToolContext(user_id="alice", store=lamp_store), {"query": "football final", "neighbours": 0})
    assert alone["label"] == "politics" and alone["neighbours"] == 0
    with pytest.raises(InvalidInputError, match="label_key"):
        tool.call(ToolContext(user_id="dave", store=lamp_store), {"query": "anything"})


def test_personal_label_with_a_model_reads_the_items_calibrated(lamp_store) -> None:
    _labelled_store(lamp_store)

    def biased(prompt: str, options: Sequence[str]) -> list[float]:
        asked = prompt.rsplit("\n", 1)[-1]
        return [(4.0 if o.strip() == "politics" else 0.0) + (3.0 if "tennis" in asked and "sports" in o else 0.0)
                for o in options]  # fmt: skip

    model = ScriptedModel(score_fn=biased)
    context = ToolContext(user_id="alice", store=lamp_store, model=model)
    result = TOOLS["personal_label"].call(context, {"query": "A tennis player wins", "labels": ["politics", "sports"]})
    assert result["used_model"] is True and result["label"] == "sports"
    prompts_seen = [args[0] for name, args in model.calls if name == "score"]
    assert len(prompts_seen) == 2 and prompts_seen[1].endswith('- "N/A" ->')


@pytest.mark.parametrize(
    ("message", "item"),
    [
        ("Which category would I give this article: Senate passes the budget?", "Senate passes the budget"),
        ('How would I rate "The Matrix"?', "The Matrix"),
        ("what tag would I use for a film about robots", "a film about robots"),
        ("Classify this for me: a tennis final", "a tennis final"),
        ("which category do I file this under: senate vote", "senate vote"),
        ("What is my favourite colour?", None),
        ("Which category is the best?", None),
    ],
)
def test_a_personalized_classification_in_chat_is_recognised(message: str, item: str | None) -> None:
    assert tools.personal_label.classification_request(message) == item


def test_a_classification_asked_in_chat_uses_the_tool(tmp_path: Path, embedder) -> None:
    from agent import Assistant, Settings

    assistant = Assistant.open(Settings(data_dir=tmp_path / "data"), chat_model=ScriptedModel())
    try:
        _labelled_store(assistant.store)
        reply = assistant.chat("alice", "Which category would I give this article: the football cup final?")
    finally:
        assistant.close()
    assert [call["name"] for call in reply.tool_calls] == ["personal_label"]
    assert reply.tool_calls[0]["result"]["label"] == "sports"
    assert reply.text.startswith('You would most likely label it "sports"') and "similar users" in reply.text


# -- the embedded model (slow) ---------------------------------------------------------------------


@pytest.mark.slow
def test_local_model_cfrag_on_real_lamp_2n_questions(tmp_path: Path, local_model, lamp_store) -> None:
    from tests.conftest import SHARED_DATA

    folder = SHARED_DATA / "lamp" / "LaMP_2N"
    if not folder.is_dir():
        pytest.skip("shared LaMP_2N data not present")
    metrics = run(task="LaMP_2N", data=folder, split="dev", strategies="hybrid,cfrag", k=3, limit=4,
                  out=tmp_path / "out", model=local_model, store=lamp_store, progress=False)  # fmt: skip
    assert "tuning half" in metrics["tuned_on"]  # the shipped parameters, tuned on the dev file's tuning half
    assert metrics["strategies"]["cfrag"]["accuracy"] >= 0.5  # the first questions are easy politics ones
    preds = json.loads((tmp_path / "out" / "preds_cfrag.json").read_text())
    assert all(p["output"] in NEWS.labels for p in preds["golds"])
    assert metrics["timing"]["s_per_question"]["cfrag"] > 0


@pytest.mark.slow
def test_personal_label_with_the_local_model(local_model, lamp_store) -> None:
    _labelled_store(lamp_store)
    context = ToolContext(user_id="alice", store=lamp_store, model=local_model)
    result = TOOLS["personal_label"].call(context, {"query": "The football cup final ends in a shoot-out"})
    assert result["used_model"] is True and result["label"] == "sports"
    assert abs(sum(result["scores"].values()) - 1.0) < 0.01
