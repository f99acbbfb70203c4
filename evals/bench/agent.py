"""Latency of a turn: the graph's overhead beside the memory search, and real turns on the embedded model.

``run``: a zero-latency scripted model (from tests/) stands in for the LLM, so what is timed is recall,
planning, tool calls, prompt building, checkpointing and event streaming. The user has 1,000
memories; every turn asks a question never seen before, so each includes a real query encoding.

``run_embedded``: the embedded chat model answers a mix of real turns (telling, questions about the
user, requests, small talk); time to first token and whole turn, beside the model's own time to first
token and whole generation for a prompt of the same kind, measured in the same run.

Run from the repository root: ``rapport bench agent [--model embedded]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from agent import Assistant, Settings
from evals.bench.memory import percentiles, synthetic_texts


def run(memories: int = 1000, turns: int = 200) -> dict:
    from tests.scripted_model import ScriptedModel  # the benchmark's stand-in LLM; never used by the product

    with tempfile.TemporaryDirectory(prefix="rapport-bench-agent-") as tmp:
        assistant = Assistant.open(Settings(data_dir=Path(tmp)), chat_model=ScriptedModel(default_reply="Sure."))
        texts = synthetic_texts(memories, seed=11)
        for offset in range(0, memories, 500):
            assistant.store.add_many("bench-user", texts[offset : offset + 500])
        questions = [
            f"What did I say about {text.split(' (note')[0].lower()}? ({i})"
            for i, text in enumerate(synthetic_texts(2 * turns, seed=12))
        ]
        assistant.chat("bench-user", "warm up", thread_id="warm")
        search_s, turn_s, respond_s = [], [], []
        for i in tqdm(range(turns), desc="turns", unit="turn"):
            start = time.perf_counter()
            assistant.store.search("bench-user", questions[2 * i], k=6, mode="hybrid")
            search_s.append(time.perf_counter() - start)
            start = time.perf_counter()
            reply = assistant.chat("bench-user", questions[2 * i + 1], thread_id=f"t{i % 10}")
            turn_s.append(time.perf_counter() - start)
            respond_s.append(reply.timings.get("respond_s", 0.0))
        assistant.flush()
        assistant.close()
    report = {
        "memories": memories,
        "turns": turns,
        "search_only": percentiles(search_s),
        "graph_turn": percentiles(turn_s),
        "graph_overhead_vs_search_p50": round(float(np.median(turn_s) / np.median(search_s)), 2),
    }
    search, turn = report["search_only"], report["graph_turn"]
    print("| step | p50 ms | p99 ms |\n|---|---:|---:|")
    print(f"| memory search alone (hybrid, k=6) | {search['p50_ms']} | {search['p99_ms']} |")
    print(f"| whole graph turn, zero-latency model | {turn['p50_ms']} | {turn['p99_ms']} |")
    print(json.dumps(report))
    return report


FACTS = (
    "I'm a vegetarian.",
    "I live in Lyon with my two cats.",
    "My sister Anna is a nurse in Lisbon.",
    "I work as a pharmacist.",
    "I love hiking and jazz.",
    "I'm allergic to peanuts.",
)
TURNS = (
    "Where does my sister live?",
    "Can you suggest a dinner recipe for me tonight?",
    "Hi there!",
    "What do I do for a living?",
    "Any ideas for something to do this weekend?",
    "I just started learning the piano.",
    "What am I allergic to?",
    "What should I cook for my friends on Saturday?",
    "Thanks, that was helpful!",
    "What's my dog's name?",
    "Suggest a present for my sister.",
    "What do you know about me?",
)


def run_embedded(rounds: int = 2) -> dict:
    """Real turns on the embedded model (``RAPPORT_LLM_*`` settings), beside the model's own timings."""
    from agent.llm import get_chat_model
    from agent.llm.base import Message

    settings = Settings()
    model = get_chat_model(settings)
    with tempfile.TemporaryDirectory(prefix="rapport-bench-agent-") as tmp:
        assistant = Assistant.open(settings.model_copy(update={"data_dir": Path(tmp)}), chat_model=model)
        for fact in FACTS:
            assistant.chat("bench-user", fact, thread_id="facts")
        assistant.flush()
        first_s, turn_s, kinds = [], [], []
        for round_ in tqdm(range(rounds), desc="rounds", unit="round"):
            for index, message in enumerate(TURNS):
                start, first = time.perf_counter(), None
                for event in assistant.stream("bench-user", message, thread_id=f"r{round_}-{index}"):
                    if event.type == "token" and first is None:
                        first = time.perf_counter() - start
                turn_s.append(time.perf_counter() - start)
                first_s.append(first if first is not None else turn_s[-1])
                kinds.append(message)
            assistant.flush()
        model_first_s, model_total_s = [], []
        for message in TURNS * rounds:  # the model alone, on a prompt with the same facts
            prompt = [
                Message(role="system", content="You are a helpful assistant. The user: " + " ".join(FACTS)),
                Message(role="user", content=message),
            ]
            start, first = time.perf_counter(), None
            for _ in model.stream(prompt, max_tokens=80):
                if first is None:
                    first = time.perf_counter() - start
            model_total_s.append(time.perf_counter() - start)
            model_first_s.append(first if first is not None else model_total_s[-1])
        assistant.close()
    report = {
        "turns": len(turn_s),
        "first_token": percentiles(first_s),
        "whole_turn": percentiles(turn_s),
        "model_alone_first_token": percentiles(model_first_s),
        "model_alone_generation": percentiles(model_total_s),
        "turn_vs_model_generation_p50": round(float(np.median(turn_s) / np.median(model_total_s)), 2),
    }
    print("| embedded model | p50 ms | p99 ms |\n|---|---:|---:|")
    for label, key in (
        ("Rapport: first token", "first_token"),
        ("Rapport: whole turn", "whole_turn"),
        ("model alone: first token", "model_alone_first_token"),
        ("model alone: 80-token generation", "model_alone_generation"),
    ):
        print(f"| {label} | {report[key]['p50_ms']} | {report[key]['p99_ms']} |")
    print(json.dumps(report))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memories", type=int, default=1000)
    parser.add_argument("--turns", type=int, default=200)
    args = parser.parse_args()
    run(memories=args.memories, turns=args.turns)


if __name__ == "__main__":
    main()
