"""Per-turn overhead of the agent graph without model time, beside the memory search it wraps.

A zero-latency scripted model (from tests/) stands in for the LLM, so what is timed is recall,
planning, tool calls, prompt building, checkpointing and event streaming. The user has 1,000
memories; every turn asks a question never seen before, so each includes a real query encoding.

Run from the repository root: ``python -m evals.bench.agent`` or ``rapport bench agent``.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memories", type=int, default=1000)
    parser.add_argument("--turns", type=int, default=200)
    args = parser.parse_args()
    run(memories=args.memories, turns=args.turns)


if __name__ == "__main__":
    main()
