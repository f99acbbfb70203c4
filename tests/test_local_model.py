"""The embedded chat model: transcript prompts, JSON parsing, and (slow) the real llama.cpp model."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from pydantic import BaseModel

import prompts
from agent.llm import LLMOutputError, Message, ModelUnavailableError, get_chat_model
from agent.llm.cpu import free_cores
from agent.llm.jsonout import parse_reply
from agent.llm.local import ContextOverflowWarning, LocalModel, log_softmax_at
from agent.llm.models import resolve
from agent.llm.transcript import TURN_STOPS, build_chat_prompt, stop_sequences
from agent.llm.weights import bundled_model_path
from agent.settings import Settings
from memory.errors import InvalidInputError

REPO_ROOT = Path(__file__).resolve().parents[1]


class City(BaseModel):
    name: str
    country: str


def conversation() -> list[Message]:
    return [
        Message(role="system", content="You are terse."),
        Message(role="user", content="I live in Lyon."),
        Message(role="assistant", content="Noted: you live in Lyon."),
        Message(role="user", content="Which country is that in?"),
    ]


# -- fast: no model ----------------------------------------------------------------------------


def test_chat_prompt_is_a_transcript_ending_with_the_assistant_cue() -> None:
    prompt = build_chat_prompt(conversation())
    assert prompt.startswith("You are terse.")
    assert prompt.endswith("User: Which country is that in?\nAssistant:")
    tail = prompt[prompt.rindex("### Conversation") :]
    assert tail.splitlines()[1:] == [
        "User: I live in Lyon.",
        "Assistant: Noted: you live in Lyon.",
        "User: Which country is that in?",
        "Assistant:",
    ]
    assert "You are terse." not in tail  # system text is a preamble, not a turn


def test_chat_prompt_uses_default_system_text_and_tool_label() -> None:
    prompt = build_chat_prompt([Message(role="user", content="hi"), Message(role="tool", content="42")])
    assert prompt.startswith(prompts.load("chat_system").strip())
    assert prompt.endswith("User: hi\nTool: 42\nAssistant:")
    empty = build_chat_prompt([])
    assert empty.endswith("### Conversation\nAssistant:")


def test_stop_sequences_cover_every_turn_label_and_keep_extras_once() -> None:
    stops = stop_sequences(["\nUser:", "END"])
    assert stops[: len(TURN_STOPS)] == list(TURN_STOPS)
    assert stops.count("\nUser:") == 1 and stops[-1] == "END"
    assert all(f"\n{label}:" in stops for label in ("User", "Assistant", "Tool"))


def test_prompt_loader_rejects_unknown_names_and_missing_values() -> None:
    with pytest.raises(InvalidInputError):
        prompts.load("no_such_prompt")
    with pytest.raises(InvalidInputError):
        prompts.render("chat_transcript", system="only this")


def test_parse_reply_accepts_surrounding_text_and_rejects_bad_json() -> None:
    assert parse_reply('Sure: {"name": "Lyon", "country": "France"} done', City) == City(name="Lyon", country="France")
    for bad in ("no json here", '{"name": "Lyon", ', '{"name": "Lyon"}'):
        with pytest.raises(LLMOutputError) as error:
            parse_reply(bad, City)
        assert error.value.raw == bad


def test_log_softmax_at_matches_a_full_softmax() -> None:
    logits = np.random.default_rng(0).normal(size=1000).astype(np.float32) * 5
    full = logits - np.log(np.exp(logits.astype(np.float64)).sum())
    assert log_softmax_at(logits, 17) == pytest.approx(full[17], abs=1e-4)


def test_factory_returns_an_unloaded_local_model_configured_from_settings(tmp_path: Path) -> None:
    settings = Settings(llm_provider="local", llm_threads=1, llm_context=512, cache_dir=tmp_path)
    model = get_chat_model(settings)
    assert isinstance(model, LocalModel) and not model.loaded  # lazy: nothing assembled or loaded yet
    assert model.n_threads == 1 and not model.adaptive_threads and model.n_ctx == 512
    assert not model.supports_tools and not (tmp_path / "models").exists()
    assert get_chat_model(Settings(llm_provider="local")).adaptive_threads  # unset threads: per call


def test_free_cores_sees_another_busy_process() -> None:
    cores = os.cpu_count() or 1
    assert 1 <= free_cores() <= cores and free_cores(limit=1) == 1
    if cores < 2 or not Path("/proc/loadavg").exists():
        pytest.skip("needs Linux /proc and 2+ cores")
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        assert free_cores() <= cores - 1
    finally:
        busy.kill()
        busy.wait()


def test_weights_are_assembled_once_then_trusted_until_the_file_changes(tmp_path: Path) -> None:
    path = bundled_model_path(tmp_path)
    assert path.parent == tmp_path / "models" and path.stat().st_size > 100_000_000
    first = path.stat().st_mtime_ns
    assert bundled_model_path(tmp_path) == path and path.stat().st_mtime_ns == first  # not rebuilt
    with path.open("r+b") as handle:  # damage it: the record no longer matches, so it is rebuilt
        handle.truncate(1000)
    assert bundled_model_path(tmp_path).stat().st_size > 100_000_000
    assert not list(path.parent.glob("*.partial"))
    with pytest.raises(ModelUnavailableError, match="missing.gguf does not exist"):
        resolve(tmp_path / "missing.gguf", tmp_path)


class ScriptedLocal(LocalModel):
    """LocalModel with generation and tokenization scripted: tests the logic around the runtime."""

    def __init__(self, replies: Sequence[str], n_ctx: int = 2048) -> None:
        super().__init__(n_ctx=n_ctx, json_grammar=False)
        self.replies = list(replies)
        self.prompts: list[str] = []

    def tokenize(self, text: str, *, bos: bool = True) -> list[int]:
        return [0] * (len(text.split()) + int(bos))

    def generate(self, prompt: str, **_: object) -> str:  # type: ignore[override]
        self.prompts.append(prompt)
        return self.replies.pop(0)


def test_complete_json_retries_once_with_the_error_then_succeeds() -> None:
    model = ScriptedLocal(["not json", ' {"name": "Lyon", "country": "France"}'])
    assert model.complete_json(conversation(), City) == City(name="Lyon", country="France")
    assert len(model.prompts) == 2
    assert model.prompts[0].endswith("User: Which country is that in?\nJSON:")
    assert "System: You are terse." in model.prompts[0]
    assert model.prompts[1].startswith(model.prompts[0] + " not json\nThat JSON could not be used")
    assert model.prompts[1].endswith("Corrected JSON:")


def test_complete_json_raises_after_two_bad_replies() -> None:
    model = ScriptedLocal(['{"name": "Lyon"}', "still not json"])
    with pytest.raises(LLMOutputError) as error:
        model.complete_json(conversation(), City)
    assert error.value.raw == "still not json" and not model.replies


def test_long_chats_drop_their_oldest_turns_first() -> None:
    turns = [Message(role="system", content="Keep me.")]
    turns += [Message(role="user", content=f"turn{i} " + "word " * 40) for i in range(20)]
    model = ScriptedLocal([], n_ctx=600)
    prompt = model.chat_prompt(turns, max_tokens=100)
    assert len(model.tokenize(prompt)) <= 500
    assert "Keep me." in prompt and "turn19" in prompt and "turn0 " not in prompt


# -- slow: the real model ------------------------------------------------------------------------

slow = pytest.mark.slow


@slow
def test_model_loads_and_generates_offline_with_the_network_blocked(tmp_path: Path) -> None:
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network used')\n"
        "socket.socket.connect = refuse; socket.create_connection = refuse\n"
        "from agent.llm.local import LocalModel\n"
        "from agent.settings import Settings\n"
        "model = LocalModel.from_settings(Settings())\n"
        "print(model.score('The capital of France is', [' Paris', ' Berlin']))\n"
        "print(repr(model.generate('Q: What is the capital of France?\\nA:', max_tokens=8)))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "RAPPORT_CACHE_DIR": str(tmp_path), "RAPPORT_LLM_CONTEXT": "512"}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    scores, answer = done.stdout.strip().splitlines()[-2:]
    paris, berlin = (float(x) for x in scores.strip("[]").split(","))
    assert paris > berlin and "Paris" in answer
    assert (tmp_path / "models" / "verified.json").is_file()  # weights were prepared in the cache dir


@slow
def test_greedy_completion_is_deterministic_across_cache_states(local_model: LocalModel) -> None:
    first = local_model.generate("The three primary colours are", max_tokens=24)
    local_model.generate("Something else entirely:", max_tokens=8)
    again = local_model.generate("The three primary colours are", max_tokens=24)
    assert first == again and first.strip()
    assert local_model.generate("The three primary colours are", max_tokens=24) == first  # exact cache hit


@slow
@pytest.mark.parametrize(
    ("prompt", "right", "wrong"),
    [
        ("The capital of France is", " Paris", " Berlin"),
        ("The capital of Japan is", " Tokyo", " Madrid"),
        ("Two plus two equals", " four", " eleven"),
        ("The opposite of hot is", " cold", " purple"),
        ("Water freezes at zero degrees", " Celsius", " banana"),
    ],
)
def test_score_ranks_the_obvious_continuation_first(
    local_model: LocalModel, prompt: str, right: str, wrong: str
) -> None:
    right_score, wrong_score = local_model.score(prompt, [right, wrong])
    assert right_score > wrong_score
    assert right_score < 0 and wrong_score < 0


@slow
def test_score_shares_the_prompt_yet_equals_a_fresh_evaluation(local_model: LocalModel) -> None:
    prompt = "Classify the article. Article: The team won the cup final after extra time.\nCategory:"
    options = [" sports", " science & technology", " food & drink", " politics"]
    warm = local_model.score(prompt, options)
    llama = local_model.load()
    llama.reset()
    cold = local_model.score(prompt, options)
    assert warm == pytest.approx(cold, abs=1e-3)
    # By hand: evaluate prompt+option in one go, with the option scored against fresh logits.
    option = local_model.tokenize(options[1], bos=False)
    tokens = local_model.tokenize(prompt)
    llama.reset()
    total = 0.0
    for i, token in enumerate(option):
        logits = local_model._eval_prompt(tokens + option[:i])
        total += log_softmax_at(logits, token)
    assert cold[1] == pytest.approx(total, abs=1e-2)
    assert int(np.argmax(cold)) == 0


@slow
def test_streaming_yields_exactly_the_non_streaming_text(local_model: LocalModel) -> None:
    prompt = "Here is a short story about a lighthouse keeper.\n"
    whole = local_model.generate(prompt, max_tokens=40, stop=["\n\n"])
    pieces = list(local_model.stream_text(prompt, max_tokens=40, stop=["\n\n"]))
    assert len(pieces) > 3 and "".join(pieces) == whole
    chat = conversation()
    assert "".join(local_model.stream(chat, max_tokens=40)) == local_model.complete(chat, max_tokens=40)


@slow
def test_chat_reply_stops_before_inventing_the_next_turn(local_model: LocalModel) -> None:
    chat = conversation()
    reply = local_model.complete(chat, max_tokens=60)
    assert reply and not any(stop.strip() in reply for stop in TURN_STOPS)
    raw = local_model.generate(local_model.chat_prompt(chat, 60), max_tokens=60)
    cut = min((raw.find(stop) for stop in TURN_STOPS if stop in raw), default=len(raw))
    assert reply == raw[:cut].strip()


@slow
def test_over_long_prompt_is_cut_from_the_front_with_a_warning(local_model: LocalModel) -> None:
    prompt = "word " * (local_model.n_ctx + 300) + "The capital of France is"
    with pytest.warns(ContextOverflowWarning, match="first .* tokens were dropped"):
        text = local_model.generate(prompt, max_tokens=8)
    assert isinstance(text, str)
    with pytest.warns(ContextOverflowWarning):
        scores = local_model.score(prompt, [" Paris", " Berlin"])
    assert len(scores) == 2 and all(np.isfinite(scores))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a prompt that fits never warns
        local_model.generate("The capital of France is", max_tokens=4)


@slow
def test_json_output_validates_into_the_schema_or_raises_the_documented_error(local_model: LocalModel) -> None:
    messages = [Message(role="user", content="Paris is a city in France. Give the city and its country.")]
    city = local_model.complete_json(messages, City, max_tokens=60)  # grammar-constrained by default
    assert isinstance(city, City) and "Paris" in city.name
    free = LocalModel(cache_dir=local_model.cache_dir, n_ctx=local_model.n_ctx, json_grammar=False)
    free._llama = local_model.load()  # share the loaded weights; only the JSON path differs

    class Strict(BaseModel):
        year: int
        tags: list[str]

    try:
        parsed = free.complete_json(messages, Strict, max_tokens=40)
    except LLMOutputError as error:  # the documented fallback: an error with the raw reply, never a drop
        assert error.raw and "after a retry" in str(error)
    else:
        assert isinstance(parsed, Strict)
