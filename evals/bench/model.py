"""``rapport bench model``: how fast the embedded chat model loads, reads, writes and scores.

Loads are timed in fresh subprocesses (import of llama.cpp included): cold with an empty cache dir
(weights assembled and hashed), warm with the cache from a previous process. Throughput is timed
in this process on a LaMP-2-like prompt of about 400 tokens; medians of a few repeats.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import prompts
from agent.llm.local import LocalModel
from agent.settings import Settings

# LaMP-2 news labels, official order.
LAMP2_NEWS_LABELS = [
    "food & drink", "sports", "education", "parents", "religion", "travel", "business", "crime",
    "science & technology", "culture & arts", "entertainment", "politics", "women", "style & beauty",
    "healthy living",
]  # fmt: skip
PROMPT_TOKENS = 400
GEN_TOKENS = 128


def _median_time(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _probe_load(cache_dir: Path, threads: int | None) -> float:
    """Seconds to import the runtime and load the model in a brand-new process."""
    code = (
        "import time; t = time.perf_counter();"
        "from pathlib import Path; from agent.llm.local import LocalModel;"
        f"LocalModel(cache_dir=Path({str(cache_dir)!r}), n_threads={threads!r}).load();"
        "print(time.perf_counter() - t)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def bench_prompt(model: LocalModel, target: int = PROMPT_TOKENS) -> str:
    """A news-classification prompt of about ``target`` tokens (the article is repeated, then cut)."""
    labels = ", ".join(LAMP2_NEWS_LABELS)
    article = prompts.load("bench_article").strip()
    frame = len(model.tokenize(prompts.render("bench_news", labels=labels, article="")))
    words = (article + " ") * 4
    article_tokens = model.tokenize(words, bos=False)[: max(target - frame, 1)]
    cut = model.load().detokenize(article_tokens).decode("utf-8", errors="ignore").strip()
    return prompts.render("bench_news", labels=labels, article=cut).rstrip()


def run(threads: int | None = None, batch: int | None = None, repeats: int = 3) -> dict[str, object]:
    """Measure and print one JSON line; returns the same numbers."""
    settings = Settings()
    threads = threads or settings.llm_threads
    with tempfile.TemporaryDirectory(prefix="rapport-bench-") as empty:
        load_cold = _probe_load(Path(empty), threads)
    _probe_load(settings.cache_dir, threads)  # make sure the shared cache is populated
    load_warm = statistics.median(_probe_load(settings.cache_dir, threads) for _ in range(repeats))

    model = LocalModel(
        cache_dir=settings.cache_dir,
        n_threads=threads,
        n_ctx=settings.llm_context,
        n_batch=batch or settings.llm_batch,
    )
    llama = model.load()
    prompt = bench_prompt(model)
    tokens = model.tokenize(prompt)

    used: set[int] = set()

    def prefill() -> None:
        used.add(model._pick_threads())  # the thread choice the product makes for each call
        llama.reset()
        llama.eval(tokens)

    prefill_s = _median_time(prefill, repeats)

    def generate() -> int:
        used.add(model._pick_threads())
        out = llama.create_completion(tokens, max_tokens=GEN_TOKENS, temperature=0.0, repeat_penalty=1.0)
        return int(out["usage"]["completion_tokens"])  # type: ignore[index]

    gen_rates = []
    for _ in range(repeats):
        prefill()  # prompt cached: generation below re-evaluates one token, then decodes
        start = time.perf_counter()
        produced = generate()
        gen_rates.append(produced / (time.perf_counter() - start))

    options = [" " + label for label in LAMP2_NEWS_LABELS]

    def score_cold() -> None:
        llama.reset()
        model.score(prompt, options)

    score_s = _median_time(score_cold, repeats)
    score_cached_s = _median_time(lambda: model.score(prompt, options), repeats)

    result: dict[str, object] = {
        "load_cold_s": round(load_cold, 3),
        "load_warm_s": round(load_warm, 3),
        "prefill_tok_s": round(len(tokens) / prefill_s, 1),
        "gen_tok_s": round(statistics.median(gen_rates), 1),
        "score_15_labels_s": round(score_s, 3),
        "score_15_labels_prompt_cached_s": round(score_cached_s, 3),
        "prompt_tokens": len(tokens),
        "threads": model.n_threads if not model.adaptive_threads else f"auto<={model.n_threads}",
        "threads_used": sorted(used),
        "n_batch": model.n_batch,
    }
    print(json.dumps(result))
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    run(threads=args.threads, batch=args.batch, repeats=args.repeats)


if __name__ == "__main__":
    main()
