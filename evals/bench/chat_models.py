"""``rapport bench chat-models``: load time, time to first token and generation speed of local chat models.

Each model is measured in its own fresh process (import of llama.cpp and file checks included in the
load), through the path the product uses for it: the chat template for an instruct GGUF, the few-shot
transcript for a base model. The first model named is the baseline, measured in the same run; every
other model's numbers come with a ratio against it. The KV cache is cleared before each turn, so each
first token pays for reading the whole prompt, as a new conversation does.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

import prompts
from agent.llm.base import Message

QUESTION = "Can you suggest a dinner for me tonight?"
REPLY_TOKENS = 64


def measure(model_name: str, repeats: int, threads: int | None) -> dict[str, object]:
    """Numbers for one model, in this process (the parent runs this in a child per model)."""
    start = time.perf_counter()
    from agent.llm.local import LocalModel

    model = LocalModel(model_path=model_name, n_threads=threads)
    llama = model.load()
    load_s = time.perf_counter() - start
    chat = [Message(role="system", content=prompts.load("bench_chat_system")), Message(role="user", content=QUESTION)]
    firsts, rates, totals, replies = [], [], [], []
    for _ in range(repeats):
        llama.reset()
        began = time.perf_counter()
        first = None
        pieces = []
        for piece in model.stream(chat, max_tokens=REPLY_TOKENS):
            first = first if first is not None else time.perf_counter() - began
            pieces.append(piece)
        total = time.perf_counter() - began
        reply = "".join(pieces)
        tokens = len(model.tokenize(reply, bos=False)) if reply else 0
        firsts.append(first if first is not None else total)
        totals.append(total)
        rates.append((tokens - 1) / (total - firsts[-1]) if tokens > 1 and total > firsts[-1] else 0.0)
        replies.append(reply)
    return {
        "model": model_name,
        "prompting": "chat template" if model.template is not None else "transcript",
        "load_s": round(load_s, 3),
        "first_token_s": round(statistics.median(firsts), 3),
        "turn_s": round(statistics.median(totals), 3),
        "tokens_per_s": round(statistics.median(rates), 1),
        "reply": replies[-1],
    }


def run(models: list[str], repeats: int = 3, threads: int | None = None) -> list[dict[str, object]]:
    """Measure each model in a fresh process; print a table and one JSON line per model."""
    results = []
    for name in models:
        code = (
            "import json, sys; from evals.bench.chat_models import measure;"
            f"print(json.dumps(measure({name!r}, {repeats}, {threads!r})))"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if done.returncode != 0:
            from memory.errors import RapportError

            raise RapportError(f"measuring {name} failed: {done.stderr.strip().splitlines()[-1:]}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    base = results[0]
    for result in results:
        for key in ("load_s", "first_token_s", "turn_s", "tokens_per_s"):
            result[f"{key}_ratio"] = round(float(result[key]) / float(base[key]), 2) if float(base[key]) else None
    print(f"{'model':<24} {'prompting':<14} {'load s':>14} {'first token s':>14} {'turn s':>14} {'tokens/s':>14}")
    for r in results:
        cells = [f"{r[key]} x{r[key + '_ratio']}" for key in ("load_s", "first_token_s", "turn_s", "tokens_per_s")]
        print(f"{str(r['model'])[:24]:<24} {r['prompting']:<14} " + " ".join(f"{cell:>14}" for cell in cells))
    print(f"(ratios against {base['model']}, measured in the same run)")
    for result in results:
        print(json.dumps(result, ensure_ascii=False))
    return results
